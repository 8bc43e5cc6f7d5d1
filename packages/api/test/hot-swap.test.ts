import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, loadConfig } from '@mlops/core';
import { PRODUCTION_LOG_TABLE, EXAMPLE_LISTING } from '@mlops/core/listing';
import { buildApp, type ApiApp } from '../src/app.js';
import { ModelSource } from '../src/model-source.js';
import { ProductionLog } from '../src/production-log.js';
import { readModelBundle, RegistryClientLookup } from '../src/model-loading.js';
import { trainedBundle } from './trained-bundles.js';
import { TempRegistry } from './temp-registry.js';

const example = EXAMPLE_LISTING;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('hot swap under load', () => {
  let registry: TempRegistry;
  let dir: string;
  let models: ModelSource;
  let log: ProductionLog;
  let app: ApiApp;
  let url: string;

  beforeAll(async () => {
    registry = await TempRegistry.start();
    dir = mkdtempSync(join(tmpdir(), 'api-hotswap-'));
    models = new ModelSource({
      modelName: registry.modelName,
      registry: new RegistryClientLookup({ url: registry.url }),
      localBundlePath: null,
      readBundle: readModelBundle,
      refreshIntervalMs: 50,
    });
    log = new ProductionLog({ path: join(dir, 'predictions.db') });
    app = await buildApp({
      config: loadConfig({}),
      logger: createLogger({ name: 'api-test', level: 'silent' }),
      modelSource: models,
      productionLog: log,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(async () => {
    models.stop();
    await app.close();
    await log.close();
    await registry.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('moves to each new production version with every concurrent request answered 200', async () => {
    // Trained before the load starts, so the swaps measure loading, not training.
    const bundles = await Promise.all([0, 1, 2].map((variant) => trainedBundle(variant)));
    const first = await registry.publish(bundles[0]!, 'production');
    await models.start();
    expect(models.current?.version).toBe(first);

    const concurrency = 24;
    let stop = false;
    const statuses = new Map<number, number>();
    const versionsSeen: string[][] = Array.from({ length: concurrency }, () => []);
    const client = async (worker: number) => {
      const seen = versionsSeen[worker]!;
      while (!stop) {
        const response = await fetch(`${url}/predict`, {
          method: 'POST',
          body: JSON.stringify({ ...example, address: `worker ${worker}` }),
          headers: { 'content-type': 'application/json' },
        });
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const body = (await response.json()) as { model_version?: string };
        if (body.model_version && seen[seen.length - 1] !== body.model_version) seen.push(body.model_version);
      }
    };
    const clients = Array.from({ length: concurrency }, (_, i) => client(i));

    const servingVersion = async (version: string) => {
      for (let waited = 0; models.current?.version !== version; waited += 20) {
        if (waited > 30_000) throw new Error(`version ${version} not serving after 30 s`);
        await sleep(20);
      }
    };
    await sleep(300);
    const second = await registry.publish(bundles[1]!, 'production');
    await servingVersion(second);
    await sleep(300);
    const third = await registry.publish(bundles[2]!, 'production');
    await servingVersion(third);
    await sleep(300);
    stop = true;
    await Promise.all(clients);

    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(200);
    expect(Object.fromEntries(statuses)).toEqual({ 200: total });
    expect(models.current?.version).toBe(third);
    // Every connection saw the versions in publication order, never an older one after a newer one.
    const order = [first, second, third];
    for (const seen of versionsSeen) {
      const ranks = seen.map((v) => order.indexOf(v));
      expect(ranks.every((r) => r >= 0)).toBe(true);
      expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
    }
    expect(new Set(versionsSeen.flat())).toEqual(new Set(order));

    // The production log saw the same traffic, attributed to the versions that served it.
    await log.flush();
    const db = new Database(log.path, { readonly: true });
    const rows = db
      .prepare(
        `SELECT model_version AS version, COUNT(*) AS n FROM ${PRODUCTION_LOG_TABLE} GROUP BY model_version`,
      )
      .all() as { version: string; n: number }[];
    db.close();
    expect(rows.reduce((sum, row) => sum + row.n, 0)).toBe(total);
    expect(new Set(rows.map((row) => row.version))).toEqual(new Set(order));
  });
});
