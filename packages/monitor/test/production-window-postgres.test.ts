import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidDataError, type PriceCategory } from '@mlops/core';
import { buildReferenceSnapshot } from '@mlops/core/drift';
import { type Listing, type ListingRecord } from '@mlops/core/listing';
import { openProductionLog, type ServedPrediction } from '@mlops/api';
import {
  readProductionWindow,
  type ProductionWindowRead,
  type ProductionWindowSpec,
} from '../src/production-window.js';
import { startPostgres, type PostgresServer } from '../../../test/support/postgres-server.js';
import { freePort } from '../../../test/support/free-port.js';
import { sampleLabel, sampleListing } from './sample-listings.js';

const referenceRows = Array.from({ length: 1200 }, (_, i) => sampleListing(i));
const reference = buildReferenceSnapshot(
  referenceRows,
  referenceRows.map((_, i) => sampleLabel(i)),
);
const START = Date.UTC(2024, 0, 1);

/** 3000 served predictions by two model versions, with missing values, empty strings and unseen values. */
function servedRows(n: number): ServedPrediction[] {
  return Array.from({ length: n }, (_, i) => {
    const listing: ListingRecord = sampleListing(i * 7 + 3, {
      ...(i % 11 === 0 ? { GrossSquareMeters: null } : {}),
      ...(i % 13 === 0 ? { NetSquareMeters: 99_999 } : {}),
      ...(i % 17 === 0 ? { district: 'adalar' } : {}),
      ...(i % 19 === 0 ? { address: '' } : {}),
      ...(i % 23 === 0 ? { HeatingType: null } : {}),
      ...(i % 29 === 0 ? { StructureType: '' } : {}),
      ...(i % 5 === 0 ? { address: `new street ${i}` } : {}),
      // Values exactly on reference edges: the bins are right-closed in both readers.
      ...(i % 31 === 0 ? { BuildingAge: reference.columns.BuildingAge.edges[i % 3] ?? 0 } : {}),
    });
    return {
      ts: START + i * 1000,
      predictionId: `window-${i}`,
      modelName: 'HousingPriceClassifier',
      modelVersion: i < 1800 ? '1' : '2',
      modelAlias: 'production',
      // The log stores what it is given; nulls stand for values a listing lacks.
      listing: listing as unknown as Listing,
      prediction: (['low', 'medium', 'high'] as const)[(i * 5) % 3] as PriceCategory,
      probabilities: { low: 0.2, medium: 0.5, high: 0.3 },
    };
  });
}

/** The summary without where and how fast it was read. */
function summaryOf(read: ProductionWindowRead): Omit<ProductionWindowRead, 'dbPath' | 'readMs' | 'threads'> {
  const { dbPath: _dbPath, readMs: _readMs, threads: _threads, ...summary } = read;
  return summary;
}

describe('readProductionWindow from PostgreSQL (PRODUCTION_LOG_URL)', () => {
  let server: PostgresServer;
  let url: string;
  let dir: string;
  const dbPath = () => join(dir, 'production', 'predictions.db');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pg-window-'));
    server = await startPostgres();
    url = await server.createDatabase();
    // The same rows through the API's writer into both backends.
    const rows = servedRows(3000);
    for (const target of [undefined, url]) {
      const log = await openProductionLog({ dataDir: dir, url: target, flushIntervalMs: 1 });
      for (const row of rows) log.append(row);
      await log.flush();
      expect(log.stats()).toMatchObject({ committed: 3000, dropped: 0 });
      await log.close();
    }
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const windows: [string, ProductionWindowSpec][] = [
    ['the whole log (addresses sampled: 3000 rows > 1200 in the reference)', {}],
    ['a time range', { sinceMs: START + 400_000, untilMs: START + 2_500_000 }],
    ['one model version', { modelVersion: '2' }],
    ['the last rows', { lastRows: 700 }],
    ['every bound at once', { sinceMs: START + 100_000, modelVersion: '1', lastRows: 1500 }],
    ['nothing matching', { modelVersion: '9' }],
  ];
  it.each(windows)('gives the same summary as the SQLite log for %s', async (_name, window) => {
    const fromSqlite = await readProductionWindow({ dbPath: dbPath(), reference, window });
    const fromPostgres = await readProductionWindow({ dbPath: dbPath(), url, reference, window });
    expect(summaryOf(fromPostgres)).toEqual(summaryOf(fromSqlite));
    expect(fromPostgres.dbPath).toBe(url);
    // Split in two id ranges on two connections (the default from 150,000 ids): the same counts.
    const split = await readProductionWindow({ dbPath: dbPath(), url, reference, window, parallel: true });
    expect(summaryOf(split)).toEqual(summaryOf(fromSqlite));
    expect(split.threads).toBe(fromSqlite.rows > 1 ? 2 : 1);
  });

  it('counts a window that is not trivially small (sanity of the compared summaries)', async () => {
    const read = await readProductionWindow({ dbPath: dbPath(), url, reference });
    expect(read.rows).toBe(3000);
    expect(read.address?.sampleEvery).toBe(3);
    expect(read.numeric.GrossSquareMeters!.missing).toBe(Math.ceil(3000 / 11));
    expect(read.categorical.district!.counts.get('adalar')).toBe(Math.ceil(3000 / 17));
    expect(read.predictions.reduce((a, b) => a + b, 0)).toBe(3000);
  });

  it('reads an empty window (logExists false) when the table does not exist yet', async () => {
    const empty = await server.createDatabase();
    const read = await readProductionWindow({ dbPath: dbPath(), url: empty, reference });
    expect(read).toMatchObject({ rows: 0, logExists: false, idRange: null });
  });

  it('names PRODUCTION_LOG_URL, without the password, when the server cannot be reached', async () => {
    const port = await freePort();
    const unreachable = `postgresql://monitor:s3cret@127.0.0.1:${port}/logs`;
    const read = readProductionWindow({ dbPath: dbPath(), url: unreachable, reference });
    await expect(read).rejects.toThrow(InvalidDataError);
    await expect(read).rejects.toThrow(
      new RegExp(
        `PRODUCTION_LOG_URL=postgresql://monitor:\\*\\*\\*@127\\.0\\.0\\.1:${port}/logs: .*ECONNREFUSED`,
      ),
    );
    await expect(read).rejects.not.toThrow(/s3cret/);
  });

  it('refuses a table that lacks the columns the monitor reads, naming them', async () => {
    const other = await server.createDatabase();
    const client = new pg.Client({ connectionString: other });
    await client.connect();
    await client.query('CREATE TABLE predictions (id BIGINT PRIMARY KEY, ts BIGINT)');
    await client.end();
    await expect(readProductionWindow({ dbPath: dbPath(), url: other, reference })).rejects.toThrow(
      /table predictions lacks column\(s\) model_name, .*not written by this version of the API/,
    );
  });
});
