import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, loadConfig } from '@mlops/core';
import { EXAMPLE_LISTING, FEEDBACK_TABLE, SERVED_MODELS_TABLE } from '@mlops/core/listing';
import { buildApp, type ApiApp } from '../src/app.js';
import { readModelBundle } from '../src/model-loading.js';
import { ModelSource } from '../src/model-source.js';
import { ProductionLog } from '../src/production-log.js';
import { InMemoryRegistry } from './rule-bundles.js';
import { trainedBundle } from './trained-bundles.js';

const THRESHOLDS = { low: 2_000_000, high: 5_000_000 };
const quietLogger = () => createLogger({ name: 'feedback-test', level: 'silent' });

/** A real bundle recording price cut points (as training writes them), or none. */
async function bundleWith(thresholds: { low: number; high: number } | null, variant = 0): Promise<string> {
  const bundle = JSON.parse(await trainedBundle(variant)) as { metadata: Record<string, unknown> };
  if (thresholds) bundle.metadata.priceThresholds = thresholds;
  else delete bundle.metadata.priceThresholds;
  return JSON.stringify(bundle);
}

describe('POST /feedback', () => {
  let dir: string;
  let logPath: string;
  let app: ApiApp;
  let registry: InMemoryRegistry;
  let models: ModelSource;
  let log: ProductionLog;

  const predict = async (count = 1): Promise<string[]> => {
    const response = await app.inject({
      method: 'POST',
      url: '/predict/batch',
      payload: Array(count).fill(EXAMPLE_LISTING),
      headers: { 'x-log-durability': 'sync' },
    });
    expect(response.statusCode).toBe(200);
    return response.json().predictions.map((p: { prediction_id: string }) => p.prediction_id);
  };
  const feedback = (payload: object) => app.inject({ method: 'POST', url: '/feedback', payload });
  const stored = (): Record<string, unknown>[] => {
    const db = new Database(logPath, { readonly: true });
    try {
      return db.prepare(`SELECT * FROM ${FEEDBACK_TABLE} ORDER BY prediction_id`).all() as Record<
        string,
        unknown
      >[];
    } finally {
      db.close();
    }
  };
  const storedFor = (ids: string[]) => stored().filter((row) => ids.includes(row.prediction_id as string));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'api-feedback-'));
    logPath = join(dir, 'production', 'predictions.db');
    registry = new InMemoryRegistry();
    registry.setAlias('production', '7', await bundleWith(THRESHOLDS));
    models = new ModelSource({
      modelName: 'HousingPriceClassifier',
      registry,
      localBundlePath: null,
      readBundle: readModelBundle,
      refreshIntervalMs: 60_000,
    });
    await models.refresh();
    log = new ProductionLog({ path: logPath, flushIntervalMs: 5 });
    const config = loadConfig({ DATA_DIR: join(dir, 'data'), FEEDBACK_BATCH_LIMIT: '5' });
    app = await buildApp({ config, logger: quietLogger(), modelSource: models, productionLog: log });
  });

  afterAll(async () => {
    await app.close();
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records a true category for one prediction, with the time it arrived', async () => {
    const [id] = await predict();
    const before = Date.now();
    const response = await feedback({ prediction_id: id, true_category: 'medium' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ received: 1, recorded: 1, duplicates: 0 });
    const [row] = storedFor([id!]);
    expect(row).toMatchObject({ prediction_id: id, true_category: 'medium', sold_price: null });
    expect(row!.received_ts).toBeGreaterThanOrEqual(before);
  });

  it('turns a sold price into a category with the answering version’s cut points', async () => {
    const ids = await predict(4);
    const response = await feedback({
      feedback: [
        { prediction_id: ids[0], sold_price: 1_500_000 },
        { prediction_id: ids[1], sold_price: THRESHOLDS.low }, // a tie goes to the lower class
        { prediction_id: ids[2], sold_price: 4_000_000 },
        { prediction_id: ids[3], sold_price: 9_000_000 },
      ],
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ received: 4, recorded: 4, duplicates: 0 });
    const byId = new Map(storedFor(ids).map((row) => [row.prediction_id, row]));
    expect(ids.map((id) => byId.get(id)?.true_category)).toEqual(['low', 'low', 'medium', 'high']);
    expect(byId.get(ids[3])?.sold_price).toBe(9_000_000);
  });

  it('is idempotent: the same feedback again is a duplicate, another value is a 409 naming the ids', async () => {
    const ids = await predict(3);
    await feedback({ prediction_id: ids[0], true_category: 'low' });
    const again = await feedback({
      feedback: [
        { prediction_id: ids[0], true_category: 'low' },
        { prediction_id: ids[1], true_category: 'high' },
        { prediction_id: ids[1], true_category: 'high' },
      ],
    });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ received: 3, recorded: 1, duplicates: 2 });

    const conflict = await feedback({
      feedback: [
        { prediction_id: ids[2], true_category: 'medium' },
        { prediction_id: ids[0], true_category: 'high' },
      ],
    });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().prediction_ids).toEqual([ids[0]]);
    expect(conflict.json().message).toContain(`${ids[0]}: stored low, sent high`);
    // Nothing half-written: the good item of the refused batch is not stored.
    expect(storedFor([ids[2]!])).toEqual([]);

    const inBatch = await feedback({
      feedback: [
        { prediction_id: ids[2], true_category: 'medium' },
        { prediction_id: ids[2], true_category: 'low' },
      ],
    });
    expect(inBatch.statusCode).toBe(409);
    expect(storedFor([ids[2]!])).toEqual([]);
  });

  it('reports unknown prediction ids by id and writes nothing of the batch', async () => {
    const [known] = await predict();
    const unknown = ['3b241101-e2bb-4255-8caf-4136c566a962', '6fa459ea-ee8a-4ca4-894e-db77e160355e'];
    const response = await feedback({
      feedback: [
        { prediction_id: known, true_category: 'low' },
        { prediction_id: unknown[0], true_category: 'low' },
        { prediction_id: unknown[1], sold_price: 10 },
      ],
    });
    expect(response.statusCode).toBe(404);
    expect(response.json().prediction_ids).toEqual(unknown);
    expect(response.json().message).toMatch(
      /^2 unknown prediction ids: 3b241101-.*6fa459ea-.*nothing was recorded/,
    );
    expect(storedFor([known!])).toEqual([]);
  });

  it.each([
    ['a bad id', { prediction_id: 'abc', true_category: 'low' }, 'prediction_id', /UUID.*got "abc"/],
    ['no truth', { prediction_id: '3b241101-e2bb-4255-8caf-4136c566a962' }, 'true_category', /is required/],
    [
      'both truths',
      { prediction_id: '3b241101-e2bb-4255-8caf-4136c566a962', true_category: 'low', sold_price: 5 },
      'sold_price',
      /not both/,
    ],
    [
      'an unknown category',
      { prediction_id: '3b241101-e2bb-4255-8caf-4136c566a962', true_category: 'cheap' },
      'true_category',
      /one of low, medium, high, got "cheap"/,
    ],
    [
      'a negative price',
      { prediction_id: '3b241101-e2bb-4255-8caf-4136c566a962', sold_price: -1 },
      'sold_price',
      /> 0/,
    ],
  ])('refuses %s with a 400 naming the field', async (_label, item, field, message) => {
    const response = await feedback(item);
    expect(response.statusCode).toBe(400);
    const issue = response.json().issues.find((i: { field: string }) => i.field === field);
    expect(issue?.message).toMatch(message);
  });

  it('names the item index of a bad batch entry, and refuses empty and over-long batches', async () => {
    const ids = await predict(2);
    const bad = await feedback({
      feedback: [
        { prediction_id: ids[0], true_category: 'low' },
        { prediction_id: ids[1], true_category: 'LOW' },
      ],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issues).toEqual([
      { field: 'feedback[1].true_category', message: expect.stringMatching(/got "LOW"/) },
    ]);
    expect(bad.json().message).toMatch(/feedback\[1\]\.true_category/);
    expect(storedFor(ids)).toEqual([]);

    const empty = await feedback({ feedback: [] });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().issues[0].field).toBe('feedback');
    const tooMany = await feedback({
      feedback: Array(6).fill({ prediction_id: ids[0], true_category: 'low' }),
    });
    expect(tooMany.statusCode).toBe(413);
    expect(tooMany.json().message).toMatch(/at most 5 items \(FEEDBACK_BATCH_LIMIT\), got 6/);
    const extra = await feedback({ prediction_id: ids[0], true_category: 'low', note: 'x' });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().message).toMatch(/note/);
  });

  it('keeps each version’s cut points: a price for an older version’s answer uses that version’s scale', async () => {
    const [old] = await predict();
    registry.setAlias('production', '8', await bundleWith(null, 1));
    expect(await models.refresh()).toBe('swapped');
    const [newer] = await predict();

    const ok = await feedback({ prediction_id: old, sold_price: 4_000_000 });
    expect(ok.statusCode).toBe(200);
    expect(storedFor([old!])[0]).toMatchObject({ true_category: 'medium', sold_price: 4_000_000 });

    const noScale = await feedback({ feedback: [{ prediction_id: newer, sold_price: 4_000_000 }] });
    expect(noScale.statusCode).toBe(422);
    expect(noScale.json().message).toMatch(
      /feedback\[0\]\.sold_price: model version 8 recorded no price cut points/,
    );
    expect(noScale.json().prediction_ids).toEqual([newer]);
    expect((await feedback({ prediction_id: newer, true_category: 'high' })).statusCode).toBe(200);

    const db = new Database(logPath, { readonly: true });
    try {
      expect(
        db
          .prepare(
            `SELECT model_version, price_low, price_high FROM ${SERVED_MODELS_TABLE} ORDER BY model_version`,
          )
          .all(),
      ).toEqual([
        { model_version: '7', price_low: THRESHOLDS.low, price_high: THRESHOLDS.high },
        { model_version: '8', price_low: null, price_high: null },
      ]);
    } finally {
      db.close();
    }
  });

  it('documents /feedback and the prediction ids in the OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toContain('/feedback');
    expect(Object.keys(doc.paths['/feedback'].post.responses)).toEqual(
      expect.arrayContaining(['200', '400', '404', '409', '413', '422']),
    );
    const predict200 = doc.paths['/predict'].post.responses['200'].content['application/json'].schema;
    expect(predict200.properties.prediction_id).toMatchObject({ type: 'string', format: 'uuid' });
  });
});

describe('POST /feedback on a prediction still queued', () => {
  it('commits the production log queue first and then records it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'api-feedback-queued-'));
    const registry = new InMemoryRegistry();
    registry.setAlias('production', '3', await bundleWith(THRESHOLDS));
    const models = new ModelSource({
      modelName: 'HousingPriceClassifier',
      registry,
      localBundlePath: null,
      readBundle: readModelBundle,
      refreshIntervalMs: 60_000,
    });
    await models.refresh();
    // A flush interval far longer than the test: the row stays queued until feedback asks for it.
    const log = new ProductionLog({ path: join(dir, 'predictions.db'), flushIntervalMs: 60_000 });
    const app = await buildApp({
      config: loadConfig({ DATA_DIR: dir }),
      logger: quietLogger(),
      modelSource: models,
      productionLog: log,
    });
    try {
      const answer = await app.inject({ method: 'POST', url: '/predict', payload: EXAMPLE_LISTING });
      expect(log.stats().queued).toBe(1);
      const response = await app.inject({
        method: 'POST',
        url: '/feedback',
        payload: { prediction_id: answer.json().prediction_id, sold_price: 9_000_000 },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ received: 1, recorded: 1, duplicates: 0 });
    } finally {
      await app.close();
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers 503 naming the reason when the production log is disabled', async () => {
    const app = await buildApp({
      config: loadConfig({ DATA_DIR: tmpdir() }),
      logger: quietLogger(),
      modelSource: new ModelSource({
        modelName: 'm',
        registry: null,
        localBundlePath: null,
        readBundle: readModelBundle,
        refreshIntervalMs: 60_000,
      }),
      productionLog: null,
    });
    try {
      const response = await app.inject({
        method: 'POST',
        url: '/feedback',
        payload: { prediction_id: '3b241101-e2bb-4255-8caf-4136c566a962', true_category: 'low' },
      });
      expect(response.statusCode).toBe(503);
      expect(response.json().message).toMatch(/production log is disabled/);
    } finally {
      await app.close();
    }
  });
});
