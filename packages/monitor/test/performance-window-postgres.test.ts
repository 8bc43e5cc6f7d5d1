import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidDataError, PRICE_CATEGORIES, type PriceCategory } from '@mlops/core';
import { buildReferenceSnapshot } from '@mlops/core/drift';
import { PRODUCTION_LOG_TABLE, type Listing } from '@mlops/core/listing';
import { DEFAULT_PERFORMANCE_THRESHOLDS, buildPerformanceProfile } from '@mlops/core/performance';
import {
  PostgresFeedbackStore,
  SqliteFeedbackStore,
  openProductionLog,
  type FeedbackStore,
  type ServedPrediction,
} from '@mlops/api';
import { runDriftCheck } from '../src/check.js';
import { readPerformanceWindow, type PerformanceWindowRead } from '../src/performance-window.js';
import { readPostgresPerformanceWindow } from '../src/performance-window-postgres.js';
import type { ProductionWindowSpec } from '../src/production-window.js';
import { startPostgres, type PostgresServer } from '../../../test/support/postgres-server.js';
import { freePort } from '../../../test/support/free-port.js';
import { sampleLabel, sampleListing } from './sample-listings.js';

const START = Date.UTC(2024, 5, 1);
const ROWS = 600;
const id = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const wrong = (c: PriceCategory): PriceCategory => PRICE_CATEGORIES[(PRICE_CATEGORIES.indexOf(c) + 1) % 3]!;

/** Served rows by two versions with varied probabilities. */
function served(i: number): ServedPrediction {
  const prediction = sampleLabel(i);
  const top = 0.5 + (i % 7) / 20;
  return {
    ts: START + i * 1000,
    predictionId: id(i),
    modelName: 'HousingPriceClassifier',
    modelVersion: i < 400 ? '1' : '2',
    modelAlias: 'production',
    listing: sampleListing(i) as unknown as Listing,
    prediction,
    probabilities: {
      low: prediction === 'low' ? top : (1 - top) / 2,
      medium: prediction === 'medium' ? top : (1 - top) / 2,
      high: prediction === 'high' ? top : (1 - top) / 2,
    },
  };
}

/** Every third row gets feedback, a third of it wrong, arriving minutes to hours after the answer. */
async function sendFeedback(store: FeedbackStore): Promise<void> {
  for (let i = 0; i < ROWS; i += 3) {
    const row = served(i);
    const outcome = await store.record(
      [
        {
          predictionId: row.predictionId,
          trueCategory: i % 9 === 0 ? wrong(row.prediction) : row.prediction,
        },
      ],
      row.ts + 60_000 * (1 + (i % 120)),
    );
    expect(outcome.kind).toBe('recorded');
  }
}

/** The read without where and how fast. */
function contentOf(read: PerformanceWindowRead): Omit<PerformanceWindowRead, 'dbPath' | 'readMs'> {
  const { dbPath: _dbPath, readMs: _readMs, ...content } = read;
  return content;
}

describe('readPerformanceWindow from PostgreSQL (PRODUCTION_LOG_URL)', () => {
  let server: PostgresServer;
  let url: string;
  let dir: string;
  const dbPath = () => join(dir, 'production', 'predictions.db');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pg-performance-'));
    server = await startPostgres();
    url = await server.createDatabase();
    // The same rows and the same feedback through the API's writers into both backends.
    for (const target of [undefined, url]) {
      const log = await openProductionLog({ dataDir: dir, url: target, flushIntervalMs: 1 });
      for (let i = 0; i < ROWS; i++) log.append(served(i));
      await log.flush();
      const store =
        target === undefined
          ? new SqliteFeedbackStore({ path: dbPath() })
          : await PostgresFeedbackStore.open({ url: target });
      await sendFeedback(store);
      await store.close();
      await log.close();
    }
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const windows: [string, ProductionWindowSpec][] = [
    ['the whole log', {}],
    ['one model version', { modelVersion: '2' }],
    ['the last N rows', { lastRows: 250 }],
    ['a time span', { sinceMs: START + 100_000, untilMs: START + 450_000 }],
    ['an empty span', { sinceMs: START + 10_000_000 }],
  ];
  it.each(windows)('gives the same window as the SQLite reader for %s', async (_label, window) => {
    const fromPg = await readPostgresPerformanceWindow(url, window);
    const fromSqlite = readPerformanceWindow(dbPath(), window);
    expect(contentOf(fromPg)).toEqual(contentOf(fromSqlite));
    expect(fromPg.dbPath).toBe(url);
    if (window.sinceMs === undefined || window.sinceMs < START + ROWS * 1000) {
      expect(fromPg.rows).toBeGreaterThan(0);
      expect(fromPg.truth.some((t) => t !== null)).toBe(true);
    }
  });

  it('reads a database without the log as an empty window, and one without feedback as no labels', async () => {
    const bare = await server.createDatabase();
    expect(await readPostgresPerformanceWindow(bare)).toMatchObject({ logExists: false, rows: 0 });
    const client = new pg.Client({ connectionString: bare });
    await client.connect();
    try {
      await client.query(
        `CREATE TABLE ${PRODUCTION_LOG_TABLE} AS SELECT * FROM (VALUES (1::bigint, ${START}::bigint, 'low', 0.8::float8, 0.1::float8, 0.1::float8)) AS v(id, ts, prediction, p_low, p_medium, p_high)`,
      );
    } finally {
      await client.end();
    }
    const read = await readPostgresPerformanceWindow(bare);
    expect(read).toMatchObject({ logExists: true, rows: 1, truth: [null], labelDelaysMs: [] });
  });

  it('names PRODUCTION_LOG_URL, password masked, when the server cannot be reached', async () => {
    const port = await freePort();
    const error = await readPostgresPerformanceWindow(`postgresql://mon:secret@127.0.0.1:${port}/logs`).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidDataError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `PRODUCTION_LOG_URL=postgresql://mon:\\*\\*\\*@127\\.0\\.0\\.1:${port}/logs: .*ECONNREFUSED`,
      ),
    );
    expect((error as Error).message).not.toContain('secret');
  });

  it('scores the same performance in a monitoring check on PostgreSQL as on the SQLite file', async () => {
    const listings = Array.from({ length: 300 }, (_, i) => sampleListing(i));
    const probabilities = listings.map((_, i) =>
      PRICE_CATEGORIES.map((c) => (c === sampleLabel(i) ? 0.8 : 0.1)),
    );
    const reference = {
      ...buildReferenceSnapshot(
        listings,
        listings.map((_, i) => sampleLabel(i)),
      ),
      performance: buildPerformanceProfile(
        probabilities,
        listings.map((_, i) => (i % 5 === 0 ? wrong(sampleLabel(i)) : sampleLabel(i))),
      ),
    };
    const check = (productionLogUrl?: string) =>
      runDriftCheck({
        dataDir: mkdtempSync(join(dir, 'check-')),
        productionLogPath: dbPath(),
        ...(productionLogUrl ? { productionLogUrl } : {}),
        reference,
        now: new Date(START + ROWS * 1000),
        performance: { thresholds: { ...DEFAULT_PERFORMANCE_THRESHOLDS, minLabels: 100 } },
      });
    const [onPg, onSqlite] = [await check(url), await check()];
    expect(onPg.performance!.labelled).toBe(200);
    for (const key of ['rows', 'labelled', 'labelCoverage', 'realized', 'estimated', 'labelDelay'] as const) {
      expect(onPg.performance![key]).toEqual(onSqlite.performance![key]);
    }
    expect(onPg.performance!.checks.map((c) => [c.name, c.status])).toEqual(
      onSqlite.performance!.checks.map((c) => [c.name, c.status]),
    );
  });
});
