/** Retraining on labelled feedback, and the promotion gate on the most recent labelled window. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PRICE_CATEGORIES,
  PRODUCTION_ALIAS,
  createLogger,
  loadConfig,
  type PriceCategory,
} from '@mlops/core';
import {
  FEEDBACK_DDL,
  FEEDBACK_TABLE,
  NUMERIC_FIELDS,
  PREDICTION_ID_INDEX_DDL,
  PRODUCTION_LOG_DDL,
  PRODUCTION_LOG_TABLE,
  TEXT_FIELDS,
  parseRawListingsCsv,
  formatRawListingsCsv,
  type LabelledListing,
} from '@mlops/core/listing';
import { saveBundle, trainModel } from '@mlops/core/model';
import { generateRawListings, writeSyntheticListings } from '@mlops/core/synthetic';
import { RegistryClient } from '@mlops/registry-client';
import type { RegisterResult } from '@mlops/temporal';
import { startTempRegistry } from '../../../test/support/temp-registry-server.js';
import { feedbackLogPath, readLabelledFeedback, splitRecentWindow } from '../src/feedback-listings.js';
import { preprocess } from '../src/preprocess.js';
import { MANIFEST_FILE, RECENT_LABELLED_FILE, readListings } from '../src/processed-folder.js';
import { promoteCandidate } from '../src/promotion.js';

const logger = createLogger({ name: 'feedback-training-test', level: 'silent' });
const shifted = (c: PriceCategory): PriceCategory => PRICE_CATEGORIES[(PRICE_CATEGORIES.indexOf(c) + 1) % 3]!;

/** Logs the listings as served predictions and sends feedback (`truth`) for each, like the API does. */
function logWithFeedback(
  path: string,
  listings: readonly LabelledListing[],
  truth: (l: LabelledListing) => PriceCategory,
) {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    db.exec(PRODUCTION_LOG_DDL);
    db.exec(PREDICTION_ID_INDEX_DDL);
    db.exec(FEEDBACK_DDL);
    const columns = ['ts', 'model_name', 'model_version', 'model_alias', ...NUMERIC_FIELDS, ...TEXT_FIELDS];
    const insert = db.prepare(
      `INSERT INTO ${PRODUCTION_LOG_TABLE} (${columns.join(', ')}, prediction, p_low, p_medium, p_high, prediction_id)
       VALUES (${columns.map(() => '?').join(', ')}, ?, 0.8, 0.1, 0.1, ?)`,
    );
    const feedback = db.prepare(
      `INSERT INTO ${FEEDBACK_TABLE} (prediction_id, true_category, sold_price, received_ts) VALUES (?, ?, NULL, ?)`,
    );
    db.transaction(() => {
      listings.forEach((listing, i) => {
        const id = `id-${i}`;
        insert.run(
          1_700_000_000_000 + i,
          'M',
          '1',
          'production',
          ...NUMERIC_FIELDS.map((f) => listing[f]),
          ...TEXT_FIELDS.map((f) => listing[f]),
          'low',
          id,
        );
        feedback.run(id, truth(listing), 1_700_000_100_000 + i);
      });
    })();
  } finally {
    db.close();
  }
}

function syntheticListings(rows: number, seed: number): LabelledListing[] {
  return parseRawListingsCsv(formatRawListingsCsv(generateRawListings({ rows, seed })), { file: 's.csv' })
    .listings;
}

describe('training data from labelled feedback', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'train-feedback-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the served listings with their true category, oldest first, and none without a log', () => {
    const path = join(dir, 'read', 'predictions.db');
    const listings = syntheticListings(20, 3);
    logWithFeedback(path, listings, (l) => shifted(l.price_category));
    const labelled = readLabelledFeedback(path);
    expect(labelled).toHaveLength(20);
    expect(labelled.map((l) => l.price_category)).toEqual(listings.map((l) => shifted(l.price_category)));
    expect(labelled[0]).toMatchObject({ district: listings[0]!.district, price: null });
    expect(readLabelledFeedback(join(dir, 'none.db'))).toEqual([]);
    expect(splitRecentWindow(labelled, 10).recent).toEqual(labelled.slice(16));
    expect(splitRecentWindow(labelled, 21)).toEqual({ train: labelled, recent: [] });
  });

  it('preprocess trains on the feedback rows (weighted) and holds the newest out for the gate', async () => {
    const dataDir = join(dir, 'pre', 'data');
    const csv = join(dir, 'pre', 'listings.csv');
    await writeSyntheticListings(csv, { rows: 400, seed: 4 });
    const served = syntheticListings(100, 5);
    logWithFeedback(feedbackLogPath(dataDir), served, (l) => shifted(l.price_category));
    const config = loadConfig({
      DATA_DIR: dataDir,
      PERFORMANCE_MIN_LABELS: '50',
      TRAIN_FEEDBACK_WEIGHT: '2',
    });
    const prepared = await preprocess(
      { config, logger },
      { trigger: { reason: 'performance' }, dataPath: csv },
      { workflowId: 'w', runId: 'r' },
    );
    // 400 raw + 80 feedback rows twice; the newest 20 are the recent window.
    expect(prepared.nTrain + prepared.nTest).toBe(400 + 2 * 80);
    const manifest = JSON.parse(readFileSync(join(prepared.processedDir, MANIFEST_FILE), 'utf8'));
    expect(manifest.feedback).toEqual({ trained: 80, weight: 2, recentWindow: 20 });
    const recent = readListings(join(prepared.processedDir, RECENT_LABELLED_FILE));
    expect(recent.map((l) => l.price_category)).toEqual(
      served.slice(80).map((l) => shifted(l.price_category)),
    );
    // Feedback rows keep their true category: the shifted label is in the training data, not a recomputed one.
    const trained = [
      ...readListings(join(prepared.processedDir, 'train.json')),
      ...readListings(join(prepared.processedDir, 'test.json')),
    ];
    const first = served[0]!;
    const copies = trained.filter(
      (l) =>
        l.address === first.address && l.GrossSquareMeters === first.GrossSquareMeters && l.price === null,
    );
    expect(copies.map((l) => l.price_category)).toEqual([
      shifted(first.price_category),
      shifted(first.price_category),
    ]);

    const off = await preprocess(
      { config: { ...config, PROMOTION_FEEDBACK_WINDOW: false }, logger },
      { trigger: { reason: 'performance' }, dataPath: csv },
      { workflowId: 'w', runId: 'r' },
    );
    expect(off.nTrain + off.nTest).toBe(400 + 2 * 100);
    expect(existsSync(join(off.processedDir, RECENT_LABELLED_FILE))).toBe(false);
  });
});

describe('promotion on the most recent labelled window', () => {
  let registryServer: Awaited<ReturnType<typeof startTempRegistry>>;
  let registry: RegistryClient;
  let dir: string;
  const modelName = 'RecentWindowTest';

  beforeAll(async () => {
    registryServer = await startTempRegistry();
    registry = new RegistryClient({ baseUrl: registryServer.url });
    dir = mkdtempSync(join(tmpdir(), 'train-recent-'));
  });
  afterAll(async () => {
    await registryServer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function register(bundlePath: string): Promise<RegisterResult> {
    const experiment = await registry.getOrCreateExperiment('recent-test');
    const run = await registry.createRun({ experimentId: experiment.experimentId });
    await registry.uploadArtifact(run.info.runId, 'model.bundle.json', { file: bundlePath });
    if (!(await registry.getRegisteredModel(modelName).catch(() => null)))
      await registry.createRegisteredModel(modelName);
    const version = await registry.createModelVersion(
      modelName,
      `${run.info.artifactUri}/model.bundle.json`,
      run.info.runId,
    );
    return {
      experimentId: experiment.experimentId,
      runId: run.info.runId,
      modelName,
      version: version.version,
    };
  }

  it('promotes a candidate that is right on the newest truth although the old held-out listings favour production', async () => {
    const listings = syntheticListings(600, 6);
    const moved = listings.map((l) => ({ ...l, price_category: shifted(l.price_category) }));
    const fit = async (rows: LabelledListing[], file: string) => {
      const { bundle } = await trainModel(rows, { trees: 5, threads: 1, baseline: false, boosting: false });
      await saveBundle(join(dir, file), bundle);
      return join(dir, file);
    };
    const productionPath = await fit(listings, 'production.json');
    const candidatePath = await fit(moved, 'candidate.json');
    const processedDir = join(dir, 'processed');
    mkdirSync(processedDir, { recursive: true });
    const { writeListings } = await import('../src/processed-folder.js');
    writeListings(join(processedDir, 'test.json'), listings.slice(0, 100));
    writeListings(join(processedDir, RECENT_LABELLED_FILE), moved.slice(500));
    const prepared = {
      processedDir,
      referencePath: '',
      nTrain: 0,
      nTest: 100,
      nBadRows: 0,
      dataFingerprint: '',
    };
    const config = loadConfig({ DATA_DIR: dir, PROMOTION_TOLERANCE: '0.01' });

    const production = await register(productionPath);
    await registry.setAlias(modelName, PRODUCTION_ALIAS, production.version);
    const candidate = await register(candidatePath);
    // Its held-out score (old concept) is poor; the recent window decides.
    const trained = {
      bundlePath: candidatePath,
      metrics: { macro_f1: 0.2 },
      baselineMetrics: {},
      fitSeconds: 1,
      resumedTrees: 0,
    };
    const decision = await promoteCandidate({ config, registry, logger }, prepared, trained, candidate);
    expect(decision.promoted).toBe(true);
    expect(decision.candidateMacroF1).toBeGreaterThan(decision.productionMacroF1! + 0.3);
    expect(decision.reason).toMatch(/on the 100 most recent labelled feedback rows$/);
    expect((await registry.getRun(candidate.runId)).data.tags).toMatchObject({
      'promotion.scored_on': 'recent-feedback',
      'promotion.recent_feedback_rows': '100',
    });
    expect((await registry.getModelVersionByAlias(modelName, PRODUCTION_ALIAS))?.version).toBe(
      candidate.version,
    );

    // With the window off, the held-out listings decide, and they favour the old concept.
    await registry.setAlias(modelName, PRODUCTION_ALIAS, production.version);
    const off = await promoteCandidate(
      { config: { ...config, PROMOTION_FEEDBACK_WINDOW: false }, registry, logger },
      prepared,
      trained,
      candidate,
    );
    expect(off.promoted).toBe(false);
    expect((await registry.getRun(candidate.runId)).data.tags['promotion.scored_on']).toBe('held-out');
  });
});
