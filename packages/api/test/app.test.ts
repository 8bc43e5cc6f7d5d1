import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRICE_CATEGORIES, createLogger, loadConfig } from '@mlops/core';
import { PRODUCTION_LOG_TABLE, EXAMPLE_LISTING } from '@mlops/core/listing';
import { buildApp, type ApiApp } from '../src/app.js';
import { ModelSource } from '../src/model-source.js';
import { ProductionLog } from '../src/production-log.js';
import { readModelBundle } from '../src/model-loading.js';
import { trainedBundle } from './trained-bundles.js';
import { servingModel } from './serving-model.js';

/** The old service's documented example body. */
const example = EXAMPLE_LISTING;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const quietLogger = () => createLogger({ name: 'api-test', level: 'silent' });

describe('prediction API', () => {
  let dir: string;
  let app: ApiApp;
  let models: ModelSource;
  let log: ProductionLog;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'api-app-'));
    ({ models } = await servingModel(await trainedBundle(), '7'));
    log = new ProductionLog({ path: join(dir, 'production', 'predictions.db'), flushIntervalMs: 5 });
    const config = loadConfig({ DATA_DIR: join(dir, 'data'), API_BATCH_LIMIT: '5', API_BODY_LIMIT: '4096' });
    app = await buildApp({ config, logger: quietLogger(), modelSource: models, productionLog: log });
  });

  afterAll(async () => {
    await app.close();
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers the old service's example body with a category, probabilities and the model version", async () => {
    const response = await app.inject({ method: 'POST', url: '/predict', payload: example });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(PRICE_CATEGORIES).toContain(body.price_category);
    const p = body.probabilities;
    expect(p.low + p.medium + p.high).toBeCloseTo(1, 9);
    expect(Math.max(p.low, p.medium, p.high)).toBe(p[body.price_category]);
    expect(body).toMatchObject({
      model_version: '7',
      model_name: 'HousingPriceClassifier',
      model_alias: 'production',
    });
    expect(Object.keys(body).sort()).toEqual(
      [
        'model_alias',
        'model_name',
        'model_version',
        'prediction_id',
        'price_category',
        'probabilities',
      ].sort(),
    );
    expect(body.prediction_id).toMatch(UUID);
  });

  it('gives every answered listing its own prediction id, written in its production log row', async () => {
    const single = await app.inject({
      method: 'POST',
      url: '/predict',
      payload: example,
      headers: { 'x-log-durability': 'sync' },
    });
    const batch = await app.inject({
      method: 'POST',
      url: '/predict/batch',
      payload: [example, example],
      headers: { 'x-log-durability': 'sync' },
    });
    const ids = [
      single.json().prediction_id,
      ...batch.json().predictions.map((p: { prediction_id: string }) => p.prediction_id),
    ];
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(UUID);
    const db = new Database(join(dir, 'production', 'predictions.db'), { readonly: true });
    try {
      const logged = db
        .prepare(`SELECT prediction_id FROM ${PRODUCTION_LOG_TABLE} WHERE prediction_id IN (?, ?, ?)`)
        .pluck()
        .all(...ids);
      expect(logged.sort()).toEqual([...ids].sort());
    } finally {
      db.close();
    }
  });

  it('accepts category values the model never saw', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/predict',
      payload: {
        ...example,
        district: 'Atlantis',
        HeatingType: 'volcanic',
        StructureType: '?',
        FloorLocation: 'Roof 99',
      },
    });
    expect(response.statusCode).toBe(200);
  });

  const { district: _district, ...missingDistrict } = example;
  const { GrossSquareMeters: _gross, ...missingGross } = example;
  it.each([
    ['a missing text field', missingDistrict, 'district', /required/],
    ['a missing number', missingGross, 'GrossSquareMeters', /required/],
    ['a negative area', { ...example, GrossSquareMeters: -5 }, 'GrossSquareMeters', />= 0/],
    ['a negative net area', { ...example, NetSquareMeters: -0.5 }, 'NetSquareMeters', />= 0/],
    [
      'a non-numeric string',
      { ...example, NetSquareMeters: 'eighty' },
      'NetSquareMeters',
      /must be a number, got "eighty"/,
    ],
    ['a number sent as a string', { ...example, BuildingAge: '10' }, 'BuildingAge', /must be a number/],
    ['a boolean for a number', { ...example, NumberOfRooms: true }, 'NumberOfRooms', /must be a number/],
    ['null for a number', { ...example, NumberOfRooms: null }, 'NumberOfRooms', /must be a number/],
    ['a number for a text field', { ...example, HeatingType: 3 }, 'HeatingType', /must be a string/],
    ['an object for a text field', { ...example, address: { street: 'x' } }, 'address', /must be a string/],
    ['an absurd age', { ...example, BuildingAge: 5000 }, 'BuildingAge', /<= 500/],
    ['an array instead of an object', [example], '(body)', /expected object/],
  ])('answers 400 naming the field for %s', async (_case, payload, field, why) => {
    const response = await app.inject({ method: 'POST', url: '/predict', payload });
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    const issue = body.issues.find((i: { field: string }) => i.field === field);
    expect(issue, JSON.stringify(body)).toBeDefined();
    expect(issue.message).toMatch(why);
    expect(body.message).toContain(field);
  });

  it('names every wrong field of a body at once', async () => {
    const { Subscription: _s, ...rest } = example;
    const response = await app.inject({
      method: 'POST',
      url: '/predict',
      payload: { ...rest, GrossSquareMeters: -1, NetSquareMeters: 'x', district: 42 },
    });
    expect(response.statusCode).toBe(400);
    const fields = response
      .json()
      .issues.map((i: { field: string }) => i.field)
      .sort();
    expect(fields).toEqual(['GrossSquareMeters', 'NetSquareMeters', 'Subscription', 'district']);
    expect(response.json().message).toMatch(/^4 invalid fields/);
  });

  it('answers 400 for a body that is not JSON or is empty', async () => {
    for (const payload of ['{"GrossSquareMeters": 1', '']) {
      const response = await app.inject({
        method: 'POST',
        url: '/predict',
        payload,
        headers: { 'content-type': 'application/json' },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().issues[0].field).toBe('(body)');
    }
  });

  it('answers 415 for a body that is not JSON by content type', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const response = await app.inject({
        method: 'POST',
        url: '/predict',
        payload: JSON.stringify(example),
        headers: { 'content-type': type },
      });
      expect(response.statusCode).toBe(415);
      expect(response.json().message).toContain(type);
    }
  });

  it('answers 413 for a body over API_BODY_LIMIT', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/predict',
      payload: { ...example, address: 'x'.repeat(5000) },
    });
    expect(response.statusCode).toBe(413);
    expect(response.json().message).toMatch(/larger than 4096 bytes \(API_BODY_LIMIT\)/);
  });

  it('answers a batch in request order, all from one model', async () => {
    const listings = [40, 400, 90, 250].map((area) => ({
      ...example,
      GrossSquareMeters: area,
      NetSquareMeters: area * 0.8,
    }));
    const response = await app.inject({ method: 'POST', url: '/predict/batch', payload: listings });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ model_version: '7', model_alias: 'production' });
    expect(body.predictions).toHaveLength(4);
    for (const [i, listing] of listings.entries()) {
      const single = (await app.inject({ method: 'POST', url: '/predict', payload: listing })).json();
      expect(body.predictions[i]).toEqual({
        prediction_id: expect.stringMatching(UUID),
        price_category: single.price_category,
        probabilities: single.probabilities,
      });
      expect(body.predictions[i].prediction_id).not.toBe(single.prediction_id);
    }
  });

  it('names the item and field of a bad batch entry, and refuses batches over API_BATCH_LIMIT', async () => {
    const bad = await app.inject({
      method: 'POST',
      url: '/predict/batch',
      payload: [example, { ...example, GrossSquareMeters: 'big' }],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issues).toEqual([
      { field: '[1].GrossSquareMeters', message: expect.stringMatching(/must be a number/) },
    ]);
    const tooMany = await app.inject({
      method: 'POST',
      url: '/predict/batch',
      payload: Array(6).fill(example),
    });
    expect(tooMany.statusCode).toBe(413);
    expect(tooMany.json().message).toMatch(/at most 5 listings \(API_BATCH_LIMIT\), got 6/);
    const empty = await app.inject({ method: 'POST', url: '/predict/batch', payload: [] });
    expect(empty.statusCode).toBe(400);
  });

  it('logs exactly what it served and nothing it rejected', async () => {
    await log.flush();
    const before = log.stats().committed;
    const sent = [
      { ...example, address: 'logged-1', GrossSquareMeters: 55 },
      { ...example, address: 'logged-2', GrossSquareMeters: 300 },
    ];
    const answers = [];
    for (const listing of sent) {
      answers.push((await app.inject({ method: 'POST', url: '/predict', payload: listing })).json());
    }
    await app.inject({
      method: 'POST',
      url: '/predict',
      payload: { ...example, address: 'rejected', GrossSquareMeters: -1 },
    });
    await app.inject({
      method: 'POST',
      url: '/predict/batch',
      payload: [{ ...example, address: 'batch-1' }],
    });
    await log.flush();
    expect(log.stats().committed).toBe(before + 3);
    const db = new Database(log.path, { readonly: true });
    const rows = db
      .prepare(
        `SELECT * FROM ${PRODUCTION_LOG_TABLE} WHERE address LIKE 'logged-%' OR address IN ('rejected', 'batch-1') ORDER BY id`,
      )
      .all() as Record<string, unknown>[];
    db.close();
    expect(rows.map((r) => r.address)).toEqual(['logged-1', 'logged-2', 'batch-1']);
    for (const [i, answer] of answers.entries()) {
      expect(rows[i]).toMatchObject({
        ...sent[i],
        model_name: 'HousingPriceClassifier',
        model_version: '7',
        model_alias: 'production',
        prediction: answer.price_category,
        p_low: answer.probabilities.low,
        p_medium: answer.probabilities.medium,
        p_high: answer.probabilities.high,
      });
      expect(Math.abs((rows[i]!.ts as number) - Date.now())).toBeLessThan(60_000);
    }
  });

  it('answers a durable request only once its row is committed', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/predict',
      payload: { ...example, address: 'durable' },
      headers: { 'x-log-durability': 'sync' },
    });
    expect(response.statusCode).toBe(200);
    const seq = Number(response.headers['x-log-seq']);
    expect(log.stats().durableSeq).toBeGreaterThanOrEqual(seq);
    const db = new Database(log.path, { readonly: true });
    expect(
      db.prepare(`SELECT COUNT(*) AS n FROM ${PRODUCTION_LOG_TABLE} WHERE address = 'durable'`).get(),
    ).toEqual({ n: 1 });
    db.close();
  });

  it('answers a durable batch once all its rows are committed', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/predict/batch',
      payload: [1, 2, 3].map((i) => ({ ...example, address: `durable-batch-${i}` })),
      headers: { 'x-log-durability': 'sync' },
    });
    expect(response.statusCode).toBe(200);
    expect(log.stats().durableSeq).toBeGreaterThanOrEqual(Number(response.headers['x-log-seq']));
    const db = new Database(log.path, { readonly: true });
    const count = db
      .prepare(`SELECT COUNT(*) AS n FROM ${PRODUCTION_LOG_TABLE} WHERE address LIKE 'durable-batch-%'`)
      .get();
    db.close();
    expect(count).toEqual({ n: 3 });
  });

  it('reports the model, registry and production log in /health and is ready', async () => {
    const health = await app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
    const body = health.json();
    expect(body).toMatchObject({
      status: 'ok',
      model: { name: 'HousingPriceClassifier', version: '7', alias: 'production' },
      registry: { status: 'ok', url: 'http://registry.test' },
      productionLog: { enabled: true, dropped: 0 },
    });
    expect(Date.parse(body.model.loadedAt)).not.toBeNaN();
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', model: { version: '7' } });
  });

  it('exposes Prometheus metrics: requests, latency, predictions per class, rejections, model, log queue', async () => {
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0.0.4/);
    const text = response.body;
    expect(text).toMatch(/api_requests_total\{route="\/predict",method="POST",status="200"\} \d+/);
    expect(text).toMatch(
      /api_request_duration_seconds_bucket\{le="0.01",route="\/predict",method="POST",status="200"\} \d+/,
    );
    expect(text).toMatch(/api_predictions_total\{class="(low|medium|high)"\} [1-9]/);
    expect(text).toMatch(/api_rejected_requests_total\{route="\/predict",reason="validation"\} [1-9]/);
    expect(text).toMatch(
      /api_rejected_requests_total\{route="\/predict",reason="unsupported_media_type"\} 3/,
    );
    expect(text).toMatch(/api_rejected_requests_total\{route="\/predict",reason="body_too_large"\} 1/);
    expect(text).toMatch(
      /api_rejected_requests_total\{route="\/predict\/batch",reason="batch_too_large"\} 1/,
    );
    expect(text).toContain('api_model_info{name="HousingPriceClassifier",version="7",alias="production"');
    expect(text).toMatch(/api_production_log_queue_depth \d+/);
    expect(text).toMatch(/api_production_log_rows_total\{state="committed"\} [1-9]/);
    expect(text).toMatch(/api_process_cpu_seconds_total/);
  });

  it('serves an OpenAPI document generated from the zod schemas, and the docs page without a CDN', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/predict', '/predict/batch', '/health', '/ready', '/metrics']),
    );
    const body = doc.paths['/predict'].post.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(expect.arrayContaining(['GrossSquareMeters', 'district', 'Subscription']));
    expect(body.example).toEqual(example);
    expect(body.properties.GrossSquareMeters).toMatchObject({ type: 'number', minimum: 0, maximum: 100_000 });
    const answer = doc.paths['/predict'].post.responses['200'].content['application/json'].schema;
    expect(answer.properties.price_category.enum).toEqual(['low', 'medium', 'high']);
    expect(doc.paths['/predict/batch'].post.requestBody.content['application/json'].schema.maxItems).toBe(5);
    expect((await app.inject({ method: 'GET', url: '/docs/json' })).statusCode).toBe(200);

    const page = await app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(2);
    for (const asset of assets) {
      expect(asset).not.toMatch(/^(https?:)?\/\//);
      const url = new URL(asset, 'http://localhost/docs/').pathname;
      expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
    }
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await app.inject({ method: 'GET', url: '/nope?x=1' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'no route GET /nope' });
  });
});

describe('prediction API whose production log cannot commit', () => {
  it('refuses a durable request with 503 instead of answering without the row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'api-nolog-'));
    const { models } = await servingModel(await trainedBundle(), '1');
    const log = new ProductionLog({ path: join(dir, 'predictions.db') });
    await log.close();
    const app = await buildApp({
      config: loadConfig({}),
      logger: quietLogger(),
      modelSource: models,
      productionLog: log,
    });
    try {
      const response = await app.inject({
        method: 'POST',
        url: '/predict',
        payload: example,
        headers: { 'x-log-durability': 'sync' },
      });
      expect(response.statusCode).toBe(503);
      expect(response.json().message).toMatch(
        /production log did not commit its row \(production log is closed\)/,
      );
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('prediction API without a model', () => {
  it('answers /predict with 503 saying how to train one, /ready with 503, and logs nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'api-nomodel-'));
    const models = new ModelSource({
      modelName: 'HousingPriceClassifier',
      registry: null,
      localBundlePath: join(dir, 'models', 'model.bundle.json'),
      readBundle: readModelBundle,
      refreshIntervalMs: 60_000,
    });
    await models.refresh();
    const log = new ProductionLog({ path: join(dir, 'production', 'predictions.db') });
    const app = await buildApp({
      config: loadConfig({}),
      logger: quietLogger(),
      modelSource: models,
      productionLog: log,
    });
    try {
      const predict = await app.inject({ method: 'POST', url: '/predict', payload: example });
      expect(predict.statusCode).toBe(503);
      expect(predict.json().message).toMatch(
        /no model loaded: run `pnpm mlops train --data .*` .*`pnpm start`/,
      );
      const batch = await app.inject({ method: 'POST', url: '/predict/batch', payload: [example] });
      expect(batch.statusCode).toBe(503);
      expect((await app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(503);
      const health = await app.inject({ method: 'GET', url: '/health' });
      expect(health.statusCode).toBe(200);
      expect(health.json()).toMatchObject({
        status: 'ok',
        model: null,
        registry: { status: 'not_configured' },
      });
      expect(health.json().modelMessage).toMatch(/pnpm mlops train/);
      const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(/api_rejected_requests_total\{route="\/predict",reason="no_model"\} 1/);
      expect(metrics).toMatch(/api_model_loaded 0/);
      expect(log.stats().appended).toBe(0);
    } finally {
      await app.close();
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
