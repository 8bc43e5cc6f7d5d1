import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger, loadConfig, type Config } from '@mlops/core';
import { EXAMPLE_LISTING, FEEDBACK_TABLE, SERVED_MODELS_TABLE } from '@mlops/core/listing';
import { buildApp, type ApiApp } from '../src/app.js';
import { readModelBundle } from '../src/model-loading.js';
import { ModelSource } from '../src/model-source.js';
import { ProductionLog } from '../src/production-log.js';
import { openProductionLog } from '../src/production-log-open.js';
import { PostgresFeedbackStore } from '../src/postgres-feedback-store.js';
import { startPostgres, type PostgresServer } from '../../../test/support/postgres-server.js';
import { InMemoryRegistry } from './rule-bundles.js';
import { trainedBundle } from './trained-bundles.js';
import { servingModel } from './serving-model.js';

const THRESHOLDS = { low: 2_000_000, high: 5_000_000 };
const quietLogger = () => createLogger({ name: 'feedback-test', level: 'silent' });

/** A real bundle recording price cut points (as training writes them), or none. */
async function bundleWith(thresholds: { low: number; high: number } | null, variant = 0): Promise<string> {
  const bundle = JSON.parse(await trainedBundle(variant)) as { metadata: Record<string, unknown> };
  if (thresholds) bundle.metadata.priceThresholds = thresholds;
  else delete bundle.metadata.priceThresholds;
  return JSON.stringify(bundle);
}

/** Where the production log (and so the feedback store the app picks beside it) lives. */
interface FeedbackBackend {
  name: string;
  /**
   * A fresh production log under `dir` (or in a fresh database), the configuration the app reads its
   * feedback store's place from, and a way to read the feedback tables back.
   */
  open(
    dir: string,
    settings: Record<string, string>,
    flushIntervalMs: number,
  ): Promise<{ log: ProductionLog; config: Config; query(sql: string): Promise<Record<string, unknown>[]> }>;
}

let postgres: PostgresServer | undefined;
const postgresServer = async (): Promise<PostgresServer> => (postgres ??= await startPostgres());
afterAll(async () => {
  await postgres?.stop();
});

/** BIGINT columns come back from PostgreSQL as text; the tests compare them as the numbers they are. */
const BIGINT_COLUMNS = new Set(['received_ts', 'first_served_ts', 'ts']);

async function queryPostgres(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Record<string, unknown>>(sql)).rows.map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([k, v]) => [k, BIGINT_COLUMNS.has(k) && v !== null ? Number(v) : v]),
      ),
    );
  } finally {
    await client.end();
  }
}

const BACKENDS: FeedbackBackend[] = [
  {
    name: 'SQLite',
    open: async (dir, settings, flushIntervalMs) => {
      const path = join(dir, 'production', 'predictions.db');
      const query = async (sql: string) => {
        const db = new Database(path, { readonly: true });
        try {
          return db.prepare(sql).all() as Record<string, unknown>[];
        } finally {
          db.close();
        }
      };
      return {
        log: new ProductionLog({ path, flushIntervalMs }),
        config: loadConfig({ DATA_DIR: join(dir, 'data'), ...settings }),
        query,
      };
    },
  },
  {
    name: 'PostgreSQL',
    open: async (dir, settings, flushIntervalMs) => {
      const url = await (await postgresServer()).createDatabase();
      return {
        log: await openProductionLog({ dataDir: dir, url, flushIntervalMs }),
        // The app opens its own PostgreSQL feedback store from PRODUCTION_LOG_URL.
        config: loadConfig({ DATA_DIR: join(dir, 'data'), PRODUCTION_LOG_URL: url, ...settings }),
        query: (sql) => queryPostgres(url, sql),
      };
    },
  },
];

describe.each(BACKENDS)('POST /feedback with the production log in $name', (backend) => {
  let dir: string;
  let app: ApiApp;
  let registry: InMemoryRegistry;
  let models: ModelSource;
  let log: ProductionLog;
  let query: (sql: string) => Promise<Record<string, unknown>[]>;

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
  const storedFor = async (ids: string[]) =>
    (await query(`SELECT * FROM ${FEEDBACK_TABLE} ORDER BY prediction_id`)).filter((row) =>
      ids.includes(row.prediction_id as string),
    );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'api-feedback-'));
    ({ registry, models } = await servingModel(await bundleWith(THRESHOLDS), '7'));
    let config: Config;
    ({ log, config, query } = await backend.open(dir, { FEEDBACK_BATCH_LIMIT: '5' }, 5));
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
    const [row] = await storedFor([id!]);
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
    const byId = new Map((await storedFor(ids)).map((row) => [row.prediction_id, row]));
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
    expect(await storedFor([ids[2]!])).toEqual([]);

    const inBatch = await feedback({
      feedback: [
        { prediction_id: ids[2], true_category: 'medium' },
        { prediction_id: ids[2], true_category: 'low' },
      ],
    });
    expect(inBatch.statusCode).toBe(409);
    expect(await storedFor([ids[2]!])).toEqual([]);
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
    expect(await storedFor([known!])).toEqual([]);
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
    expect(await storedFor(ids)).toEqual([]);

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
    expect((await storedFor([old!]))[0]).toMatchObject({ true_category: 'medium', sold_price: 4_000_000 });

    const noScale = await feedback({ feedback: [{ prediction_id: newer, sold_price: 4_000_000 }] });
    expect(noScale.statusCode).toBe(422);
    expect(noScale.json().message).toMatch(
      /feedback\[0\]\.sold_price: model version 8 recorded no price cut points/,
    );
    expect(noScale.json().prediction_ids).toEqual([newer]);
    expect((await feedback({ prediction_id: newer, true_category: 'high' })).statusCode).toBe(200);

    expect(
      await query(
        `SELECT model_version, price_low, price_high FROM ${SERVED_MODELS_TABLE} ORDER BY model_version`,
      ),
    ).toEqual([
      { model_version: '7', price_low: THRESHOLDS.low, price_high: THRESHOLDS.high },
      { model_version: '8', price_low: null, price_high: null },
    ]);
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

describe.each(BACKENDS)('POST /feedback on a prediction still queued ($name)', (backend) => {
  it('commits the production log queue first and then records it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'api-feedback-queued-'));
    const { models } = await servingModel(await bundleWith(THRESHOLDS), '3');
    // A flush interval far longer than the test: the row stays queued until feedback asks for it.
    const { log, config } = await backend.open(dir, {}, 60_000);
    const app = await buildApp({
      config,
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
});

describe('POST /feedback without a production log', () => {
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

describe('POST /feedback with several API replicas on one PostgreSQL production log', () => {
  let dir: string;
  let url: string;
  let registry: InMemoryRegistry;
  const replicas: { app: ApiApp; log: ProductionLog }[] = [];

  /** One API replica: its own model source, production log queue and feedback store, on the shared database. */
  async function replica(): Promise<ApiApp> {
    const models = new ModelSource({
      modelName: 'HousingPriceClassifier',
      registry,
      localBundlePath: null,
      readBundle: readModelBundle,
      refreshIntervalMs: 60_000,
    });
    await models.refresh();
    const log = await openProductionLog({ dataDir: dir, url, flushIntervalMs: 5 });
    const app = await buildApp({
      config: loadConfig({ DATA_DIR: dir, PRODUCTION_LOG_URL: url }),
      logger: quietLogger(),
      modelSource: models,
      productionLog: log,
    });
    replicas.push({ app, log });
    return app;
  }

  const predictOn = async (app: ApiApp, count: number): Promise<string[]> => {
    const response = await app.inject({
      method: 'POST',
      url: '/predict/batch',
      payload: Array(count).fill(EXAMPLE_LISTING),
      headers: { 'x-log-durability': 'sync' },
    });
    expect(response.statusCode).toBe(200);
    return response.json().predictions.map((p: { prediction_id: string }) => p.prediction_id);
  };
  const send = (app: ApiApp, payload: object) => app.inject({ method: 'POST', url: '/feedback', payload });
  const storedFor = async (ids: string[]) =>
    (await queryPostgres(url, `SELECT * FROM ${FEEDBACK_TABLE} ORDER BY prediction_id`)).filter((row) =>
      ids.includes(row.prediction_id as string),
    );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'api-feedback-replicas-'));
    url = await (await postgresServer()).createDatabase();
    registry = new InMemoryRegistry();
    registry.setAlias('production', '7', await bundleWith(THRESHOLDS));
  });

  afterAll(async () => {
    for (const { app, log } of replicas) {
      await app.close();
      await log.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('records through replica B the feedback on a prediction replica A answered, with A’s cut points', async () => {
    // Both replicas start at once: the tables are created under one lock, without a catalog race.
    const [a, b] = await Promise.all([replica(), replica()]);
    const ids = await predictOn(a!, 2);
    // A writes the version's cut points when it first answers; B, which has answered nothing, reads them.
    await vi.waitFor(async () =>
      expect(await queryPostgres(url, `SELECT model_version FROM ${SERVED_MODELS_TABLE}`)).toEqual([
        { model_version: '7' },
      ]),
    );
    const response = await send(b!, {
      feedback: [
        { prediction_id: ids[0], sold_price: 9_000_000 },
        { prediction_id: ids[1], true_category: 'low' },
      ],
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ received: 2, recorded: 2, duplicates: 0 });
    expect((await storedFor(ids)).map((row) => [row.true_category, row.sold_price])).toEqual(
      ids[0]! < ids[1]!
        ? [
            ['high', 9_000_000],
            ['low', null],
          ]
        : [
            ['low', null],
            ['high', 9_000_000],
          ],
    );
  });

  it('records the same feedback sent to both replicas at once exactly once', async () => {
    const [a, b] = replicas.map((r) => r.app);
    for (let round = 0; round < 5; round++) {
      const ids = await predictOn(a!, 40);
      const body = {
        feedback: ids.map((id, i) =>
          i % 2 === 0
            ? { prediction_id: id, true_category: 'medium' }
            : { prediction_id: id, sold_price: 1_000_000 + i },
        ),
      };
      const answers = await Promise.all([send(a!, body), send(b!, body), send(b!, body)]);
      expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200]);
      const totals = answers.map((r) => r.json() as { recorded: number; duplicates: number });
      expect(totals.reduce((sum, t) => sum + t.recorded, 0)).toBe(40);
      expect(totals.reduce((sum, t) => sum + t.duplicates, 0)).toBe(80);
      expect(await storedFor(ids)).toHaveLength(40);
    }
  });

  it('lets one of two different values sent at once win; the other batch is a 409 and writes nothing', async () => {
    const [a, b] = replicas.map((r) => r.app);
    for (let round = 0; round < 5; round++) {
      const ids = await predictOn(a!, 20);
      const [fresh] = await predictOn(a!, 1);
      const low = { feedback: ids.map((id) => ({ prediction_id: id, true_category: 'low' })) };
      // The other batch also carries an id nobody else sends: it must not be written when the batch loses.
      const high = {
        feedback: [...ids, fresh].map((id) => ({ prediction_id: id, true_category: 'high' })),
      };
      const [first, second] = await Promise.all([send(a!, low), send(b!, high)]);
      const codes = [first!.statusCode, second!.statusCode].sort();
      expect(codes).toEqual([200, 409]);
      const winner = first!.statusCode === 200 ? 'low' : 'high';
      const loser = first!.statusCode === 200 ? second! : first!;
      expect(loser.json().prediction_ids.length).toBeGreaterThan(0);
      const rows = await storedFor([...ids, fresh!]);
      expect(new Set(rows.map((row) => row.true_category))).toEqual(new Set([winner]));
      expect(rows).toHaveLength(winner === 'high' ? 21 : 20);
    }
  });
});

describe('PostgresFeedbackStore racing another writer', () => {
  it('turns an id another transaction inserts between lookup and insert into a duplicate or a conflict', async () => {
    const url = await (await postgresServer()).createDatabase();
    const log = await openProductionLog({ dataDir: tmpdir(), url, flushIntervalMs: 5 });
    const store = await PostgresFeedbackStore.open({ url });
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      const ids = ['race-a', 'race-b', 'race-c', 'race-d'];
      for (const [i, id] of ids.entries()) {
        log.append({
          ts: 1_700_000_000_000 + i,
          predictionId: id,
          modelName: 'm',
          modelVersion: '1',
          modelAlias: 'production',
          listing: EXAMPLE_LISTING,
          prediction: 'low',
          probabilities: { low: 0.5, medium: 0.3, high: 0.2 },
        });
      }
      await log.flush();
      const racing = async (stored: string, sent: string, alongside: string) => {
        // The other writer holds an uncommitted row: the store's lookup cannot see it, its insert waits.
        await other.query('BEGIN');
        await other.query(
          `INSERT INTO ${FEEDBACK_TABLE} (prediction_id, true_category, sold_price, received_ts) VALUES ($1, $2, NULL, 1)`,
          [ids[0], stored],
        );
        const recording = store.record(
          [
            { predictionId: alongside, trueCategory: 'medium' },
            { predictionId: ids[0]!, trueCategory: sent as 'low' },
          ],
          2,
        );
        await vi.waitFor(async () => {
          const waiting = await queryPostgres(
            url,
            `SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'`,
          );
          expect(waiting[0]!.n).toBe(1);
        });
        await other.query('COMMIT');
        return recording;
      };
      expect(await racing('low', 'low', ids[1]!)).toEqual({ kind: 'recorded', recorded: 1, duplicates: 1 });
      await other.query(`DELETE FROM ${FEEDBACK_TABLE}`);
      const outcome = await racing('low', 'high', ids[2]!);
      expect(outcome).toEqual({
        kind: 'conflict',
        conflicts: [
          {
            predictionId: ids[0],
            stored: { trueCategory: 'low', soldPrice: null },
            sent: { trueCategory: 'high', soldPrice: null },
          },
        ],
      });
      // The whole batch rolled back: the other item is not there.
      const rows = await queryPostgres(url, `SELECT prediction_id FROM ${FEEDBACK_TABLE} ORDER BY 1`);
      expect(rows).toEqual([{ prediction_id: ids[0] }]);
    } finally {
      await other.end();
      await store.close();
      await log.close();
    }
  });
});
