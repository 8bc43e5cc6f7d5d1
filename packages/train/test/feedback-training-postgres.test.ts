/** Training on labelled feedback kept in the PostgreSQL production log (PRODUCTION_LOG_URL). */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidDataError,
  PRICE_CATEGORIES,
  createLogger,
  loadConfig,
  type PriceCategory,
} from '@mlops/core';
import {
  formatRawListingsCsv,
  parseRawListingsCsv,
  type LabelledListing,
  type Listing,
} from '@mlops/core/listing';
import { generateRawListings, writeSyntheticListings } from '@mlops/core/synthetic';
import {
  PostgresFeedbackStore,
  SqliteFeedbackStore,
  openProductionLog,
  type FeedbackItem,
  type FeedbackStore,
} from '@mlops/api';
import { startPostgres, type PostgresServer } from '../../../test/support/postgres-server.js';
import { freePort } from '../../../test/support/free-port.js';
import { feedbackLogPath, readLabelledFeedback } from '../src/feedback-listings.js';
import { readPostgresLabelledFeedback } from '../src/feedback-listings-postgres.js';
import { preprocess } from '../src/preprocess.js';
import { MANIFEST_FILE } from '../src/processed-folder.js';

const logger = createLogger({ name: 'feedback-training-pg-test', level: 'silent' });
const shifted = (c: PriceCategory): PriceCategory => PRICE_CATEGORIES[(PRICE_CATEGORIES.indexOf(c) + 1) % 3]!;
const THRESHOLDS = { low: 2_000_000, high: 5_000_000 };

function syntheticListings(rows: number, seed: number): LabelledListing[] {
  return parseRawListingsCsv(formatRawListingsCsv(generateRawListings({ rows, seed })), { file: 's.csv' })
    .listings;
}

/**
 * Serves the listings through the API's production log at `url` (or the SQLite file under `dataDir`)
 * and sends feedback for all but every tenth one through the matching feedback store: a shifted
 * category, or every fourth time a sold price.
 */
async function serveWithFeedback(
  dataDir: string,
  url: string | undefined,
  listings: readonly LabelledListing[],
): Promise<void> {
  const log = await openProductionLog({ dataDir, url, flushIntervalMs: 1 });
  listings.forEach((listing, i) =>
    log.append({
      ts: 1_700_000_000_000 + i * 1000,
      predictionId: `served-${i}`,
      modelName: 'M',
      modelVersion: '1',
      modelAlias: 'production',
      listing: listing as unknown as Listing,
      prediction: listing.price_category,
      probabilities: { low: 0.6, medium: 0.3, high: 0.1 },
    }),
  );
  await log.flush();
  const store: FeedbackStore =
    url === undefined
      ? new SqliteFeedbackStore({ path: feedbackLogPath(dataDir) })
      : await PostgresFeedbackStore.open({ url });
  try {
    await store.noteServedModel({ name: 'M', version: '1', priceThresholds: THRESHOLDS });
    const items = listings.flatMap((listing, i): FeedbackItem[] =>
      i % 10 === 9
        ? []
        : i % 4 === 0
          ? [{ predictionId: `served-${i}`, soldPrice: 1_000_000 + i * 50_000 }]
          : [{ predictionId: `served-${i}`, trueCategory: shifted(listing.price_category) }],
    );
    expect((await store.record(items, 1_800_000_000_000)).kind).toBe('recorded');
  } finally {
    await store.close();
    await log.close();
  }
}

describe('labelled feedback from the PostgreSQL production log', () => {
  let server: PostgresServer;
  let dir: string;
  beforeAll(async () => {
    server = await startPostgres();
    dir = mkdtempSync(join(tmpdir(), 'train-feedback-pg-'));
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the same labelled listings as from the SQLite file for the same traffic and feedback', async () => {
    const url = await server.createDatabase();
    const sqliteDir = join(dir, 'same');
    // Empty text and missing numbers travel as they were served.
    const listings = syntheticListings(60, 8).map((l, i) =>
      i % 7 === 0 ? { ...l, HeatingType: '', BuildingAge: null } : l,
    );
    await serveWithFeedback(sqliteDir, url, listings);
    await serveWithFeedback(sqliteDir, undefined, listings);
    const fromPg = await readPostgresLabelledFeedback(url);
    expect(fromPg).toHaveLength(54);
    expect(fromPg).toEqual(readLabelledFeedback(feedbackLogPath(sqliteDir)));
    expect(fromPg.filter((l) => l.price !== null).length).toBeGreaterThan(0);
    expect(fromPg[0]).toMatchObject({ price: 1_000_000, price_category: 'low', HeatingType: null });
  });

  it('reads nothing from a database without a production log or feedback', async () => {
    expect(await readPostgresLabelledFeedback(await server.createDatabase())).toEqual([]);
    const logOnly = await server.createDatabase();
    const log = await openProductionLog({ dataDir: dir, url: logOnly });
    await log.close();
    expect(await readPostgresLabelledFeedback(logOnly)).toEqual([]);
  });

  it('names PRODUCTION_LOG_URL, password masked, when the server cannot be reached', async () => {
    const port = await freePort();
    const error = await readPostgresLabelledFeedback(`postgresql://t:secret@127.0.0.1:${port}/logs`).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidDataError);
    expect((error as Error).message).toMatch(
      new RegExp(`PRODUCTION_LOG_URL=postgresql://t:\\*\\*\\*@127\\.0\\.0\\.1:${port}/logs: .*ECONNREFUSED`),
    );
    expect((error as Error).message).not.toContain('secret');
  });

  it('preprocess trains on the feedback at PRODUCTION_LOG_URL', async () => {
    const url = await server.createDatabase();
    const dataDir = join(dir, 'pre', 'data');
    const csv = join(dir, 'pre', 'listings.csv');
    await writeSyntheticListings(csv, { rows: 400, seed: 4 });
    await serveWithFeedback(dataDir, url, syntheticListings(100, 5));
    const config = loadConfig({
      DATA_DIR: dataDir,
      PRODUCTION_LOG_URL: url,
      PERFORMANCE_MIN_LABELS: '50',
      TRAIN_FEEDBACK_WEIGHT: '2',
    });
    const prepared = await preprocess(
      { config, logger },
      { trigger: { reason: 'performance' }, dataPath: csv },
      { workflowId: 'w', runId: 'r' },
    );
    // 90 labelled rows: the newest 18 are the recent window, 72 are trained on twice.
    const manifest = JSON.parse(readFileSync(join(prepared.processedDir, MANIFEST_FILE), 'utf8'));
    expect(manifest.feedback).toEqual({ trained: 72, weight: 2, recentWindow: 18 });
    expect(prepared.nTrain + prepared.nTest).toBe(400 + 2 * 72);
  });
});
