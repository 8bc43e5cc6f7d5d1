import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, InvalidDataError, type PriceCategory } from '@mlops/core';
import { buildReferenceSnapshot, evaluateDrift, summarizeProductionListings } from '@mlops/core/drift';
import { type ListingRecord } from '@mlops/core/listing';
import {
  productionLogPath,
  productionWindowFromSetting,
  readProductionWindow,
} from '../src/production-window.js';
import { summarizeProductionLogPlainly, writeProductionLog } from './production-log-fixture.js';
import { sampleLabel, sampleListing } from './sample-listings.js';

const dir = mkdtempSync(join(tmpdir(), 'production-window-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// 1200 reference rows: windows of up to 1200 rows are read whole, addresses included.
const referenceRows = Array.from({ length: 1200 }, (_, i) => sampleListing(i));
const reference = buildReferenceSnapshot(
  referenceRows,
  referenceRows.map((_, i) => sampleLabel(i)),
);

/** Production rows with missing values, empty strings, unseen categories and out-of-range numbers. */
function productionRows(n: number): { listing: ListingRecord; prediction: PriceCategory }[] {
  return Array.from({ length: n }, (_, i) => ({
    listing: sampleListing(i * 7 + 3, {
      ...(i % 11 === 0 ? { GrossSquareMeters: null } : {}),
      ...(i % 13 === 0 ? { NetSquareMeters: 99_999 } : {}),
      ...(i % 17 === 0 ? { district: 'adalar' } : {}),
      ...(i % 19 === 0 ? { address: '' } : {}),
      ...(i % 23 === 0 ? { HeatingType: null } : {}),
      ...(i % 5 === 0 ? { address: `new street ${i}` } : {}),
    }),
    prediction: (['low', 'medium', 'high'] as const)[(i * 5) % 3]!,
  }));
}

function expectSameStatistics(
  a: Parameters<typeof evaluateDrift>[1],
  b: Parameters<typeof evaluateDrift>[1],
): void {
  const ea = evaluateDrift(reference, a);
  const eb = evaluateDrift(reference, b);
  expect(eb.checks.map((c) => [c.name, c.value])).toEqual(ea.checks.map((c) => [c.name, c.value]));
  expect(b.rows).toBe(a.rows);
  expect(b.predictions).toEqual(a.predictions);
}

describe('readProductionWindow', () => {
  const rows = productionRows(1000);
  const path = join(dir, 'log.db');
  writeProductionLog(path, rows);
  const inMemory = summarizeProductionListings(
    reference,
    rows.map((r) => r.listing),
    rows.map((r) => r.prediction),
  );

  it('summarises the log exactly like the in-memory summary of the same rows', async () => {
    const read = await readProductionWindow({ dbPath: path, reference });
    expect(read.logExists).toBe(true);
    expect(read.rows).toBe(1000);
    expect(read.idRange).toEqual({ first: 1, last: 1000 });
    expect(read.firstTs).toBe(Date.UTC(2024, 0, 1));
    expect(read.lastTs).toBe(Date.UTC(2024, 0, 1) + 999_000);
    expect(read.numeric.GrossSquareMeters).toEqual(inMemory.numeric.GrossSquareMeters);
    expect(read.categorical.district).toEqual(inMemory.categorical.district);
    // Empty strings are missing values, as in the in-memory summary.
    expect(read.categorical.address!.missing).toBe(inMemory.categorical.address!.missing);
    expectSameStatistics(inMemory, read);
    // And like the plain GROUP BY reading of the same file.
    const plain = summarizeProductionLogPlainly(path, reference);
    expectSameStatistics(plain, read);
    expect(read.categorical.FloorLocation).toEqual(plain.categorical.FloorLocation);
    expect(read.numeric).toEqual(plain.numeric);
  });

  it('gives the same counts in small chunks and split over a worker thread', async () => {
    const sequential = await readProductionWindow({ dbPath: path, reference, parallel: false });
    const chunked = await readProductionWindow({ dbPath: path, reference, chunkRows: 97, parallel: false });
    const parallel = await readProductionWindow({ dbPath: path, reference, chunkRows: 97, parallel: true });
    expect(parallel.threads).toBe(2);
    expect(sequential.threads).toBe(1);
    for (const read of [chunked, parallel]) {
      expect(read.numeric).toEqual(sequential.numeric);
      expect(read.categorical).toEqual(sequential.categorical);
      expect(read.address).toEqual(sequential.address);
      expect(read.predictions).toEqual(sequential.predictions);
      expect([read.firstTs, read.lastTs]).toEqual([sequential.firstTs, sequential.lastTs]);
    }
  });

  it('selects rows by time, model version and last N rows', async () => {
    const start = Date.UTC(2024, 0, 1);
    const windowPath = join(dir, 'windows.db');
    writeProductionLog(
      windowPath,
      rows.map((r, i) => ({ ...r, ts: start + i * 1000, modelVersion: i < 600 ? '1' : '2' })),
    );
    const summaryOf = (slice: typeof rows) =>
      summarizeProductionListings(
        reference,
        slice.map((r) => r.listing),
        slice.map((r) => r.prediction),
      );
    const since = await readProductionWindow({
      dbPath: windowPath,
      reference,
      window: { sinceMs: start + 250_000 },
    });
    expectSameStatistics(summaryOf(rows.slice(250)), since);
    const between = await readProductionWindow({
      dbPath: windowPath,
      reference,
      window: { sinceMs: start + 100_000, untilMs: start + 400_000 },
    });
    expectSameStatistics(summaryOf(rows.slice(100, 400)), between);
    const version = await readProductionWindow({
      dbPath: windowPath,
      reference,
      window: { modelVersion: '2' },
    });
    expectSameStatistics(summaryOf(rows.slice(600)), version);
    const last = await readProductionWindow({
      dbPath: windowPath,
      reference,
      window: { modelVersion: '1', lastRows: 200 },
    });
    expectSameStatistics(summaryOf(rows.slice(400, 600)), last);
    const none = await readProductionWindow({ dbPath: windowPath, reference, window: { modelVersion: '9' } });
    expect(none.rows).toBe(0);
    expect(none.idRange).toBeNull();
  });

  it('samples every k-th row for addresses when the window is larger than the reference', async () => {
    const bigPath = join(dir, 'big.db');
    writeProductionLog(
      bigPath,
      Array.from({ length: 3000 }, (_, i) => ({ listing: sampleListing(i), prediction: sampleLabel(i) })),
    );
    const read = await readProductionWindow({ dbPath: bigPath, reference });
    // 3000 ids over a 1200-address reference: every ceil(3000 / 1200) = 3rd id, ids 1, 4, 7, ...
    expect(read.address!.sampleEvery).toBe(3);
    const sampled = read.address!.frequencyOfCounts.reduce((s, [c, f]) => s + c * f, 0);
    expect(sampled).toBe(1000);
    expect(read.address!.windowNonMissing).toBe(3000);
    // Ids 1, 4, 7, ... are rows 0, 3, 6, ...: the 10 addresses i % 30 with i a multiple of 3, 100 rows each.
    expect(read.address!.frequencyOfCounts).toEqual([[100, 10]]);
  });

  it('reads a missing file or an empty database as an empty window', async () => {
    const missing = await readProductionWindow({ dbPath: join(dir, 'nothing-here.db'), reference });
    expect(missing.logExists).toBe(false);
    expect(missing.rows).toBe(0);
    const emptyPath = join(dir, 'empty.db');
    new Database(emptyPath).close();
    const empty = await readProductionWindow({ dbPath: emptyPath, reference });
    expect(empty.logExists).toBe(false);
    expect(evaluateDrift(reference, empty).status).toBe('insufficient-data');
  });

  it('names the file and the missing columns of a table that is not a production log', async () => {
    const wrongPath = join(dir, 'wrong.db');
    const db = new Database(wrongPath);
    db.exec('CREATE TABLE predictions (id INTEGER PRIMARY KEY, ts INTEGER, district TEXT)');
    db.close();
    await expect(readProductionWindow({ dbPath: wrongPath, reference })).rejects.toThrow(InvalidDataError);
    await expect(readProductionWindow({ dbPath: wrongPath, reference })).rejects.toThrow(
      /wrong\.db: table predictions lacks column\(s\) model_name/,
    );
    const notSqlite = join(dir, 'text.db');
    writeFileSync(notSqlite, 'this is not a database, just some text that is long enough '.repeat(20));
    await expect(readProductionWindow({ dbPath: notSqlite, reference })).rejects.toThrow(/text\.db/);
  });

  it('refuses a bad window', async () => {
    await expect(readProductionWindow({ dbPath: path, reference, window: { lastRows: 0 } })).rejects.toThrow(
      InvalidArgumentError,
    );
  });

  it('puts the log under DATA_DIR/production', () => {
    expect(productionLogPath('/srv/data')).toBe('/srv/data/production/predictions.db');
  });
});

describe('productionWindowFromSetting', () => {
  const now = Date.UTC(2024, 4, 1, 12);
  it('reads a bare number as a row count and a duration as a time span ending now', () => {
    expect(productionWindowFromSetting('5000', now)).toEqual({ lastRows: 5000 });
    expect(productionWindowFromSetting('24h', now)).toEqual({ sinceMs: now - 86_400_000 });
    expect(productionWindowFromSetting('30m', now)).toEqual({ sinceMs: now - 1_800_000 });
    expect(productionWindowFromSetting(undefined, now)).toEqual({});
    expect(productionWindowFromSetting(' ', now)).toEqual({});
  });

  it('names DRIFT_WINDOW in its error', () => {
    expect(() => productionWindowFromSetting('lots', now)).toThrow(
      /DRIFT_WINDOW="lots": expected a row count/,
    );
    expect(() => productionWindowFromSetting('0', now)).toThrow(/DRIFT_WINDOW/);
  });
});
