import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, loadConfig } from '@mlops/core';
import { EXAMPLE_LISTING } from '@mlops/core/listing';
import { buildApp, type ApiApp } from '../src/app.js';
import { ModelSource } from '../src/model-source.js';
import { readModelBundle, RegistryClientLookup } from '../src/model-loading.js';
import { trainedBundle } from './trained-bundles.js';
import { TempRegistry } from './temp-registry.js';

const example = EXAMPLE_LISTING;

describe('model loading from a real registry', () => {
  let registry: TempRegistry;
  let dir: string;
  let localPath: string;
  let models: ModelSource;
  let app: ApiApp;

  const served = async () => {
    const response = await app.inject({ method: 'POST', url: '/predict', payload: example });
    return {
      status: response.statusCode,
      ...(response.json() as { model_alias?: string; model_version?: string }),
    };
  };
  const health = async () => (await app.inject({ method: 'GET', url: '/health' })).json();

  beforeAll(async () => {
    registry = await TempRegistry.start();
    dir = mkdtempSync(join(tmpdir(), 'api-fallback-'));
    mkdirSync(join(dir, 'models'));
    localPath = join(dir, 'models', 'model.bundle.json');
    models = new ModelSource({
      modelName: registry.modelName,
      registry: new RegistryClientLookup({ url: registry.url }),
      localBundlePath: localPath,
      readBundle: readModelBundle,
      refreshIntervalMs: 60_000,
      registryTimeoutMs: 2000,
    });
    app = await buildApp({
      config: loadConfig({}),
      logger: createLogger({ name: 'api-test', level: 'silent' }),
      modelSource: models,
      productionLog: null,
    });
  });

  afterAll(async () => {
    await app.close();
    await registry.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('walks the chain production -> staging -> local as the registry fills and empties', async () => {
    // Nothing anywhere: 503.
    await models.refresh();
    expect((await served()).status).toBe(503);

    // Only the local bundle.
    writeFileSync(localPath, await trainedBundle(0));
    await models.refresh();
    expect(await served()).toMatchObject({ status: 200, model_alias: 'local' });

    // A registered version without any alias changes nothing.
    await registry.publish(await trainedBundle(1));
    await models.refresh();
    expect((await served()).model_alias).toBe('local');

    // staging beats local.
    const staging = await registry.publish(await trainedBundle(2), 'staging');
    await models.refresh();
    expect(await served()).toMatchObject({ model_alias: 'staging', model_version: staging });

    // production beats staging.
    const production = await registry.publish(await trainedBundle(3), 'production');
    await models.refresh();
    expect(await served()).toMatchObject({ model_alias: 'production', model_version: production });
    expect((await health()).model).toMatchObject({
      version: production,
      alias: 'production',
      source: expect.stringMatching(/^mlflow-artifacts:\/.*\/artifacts\/model\.bundle\.json$/),
    });

    // production removed: back to staging.
    await registry.deleteAlias('production');
    await models.refresh();
    expect(await served()).toMatchObject({ model_alias: 'staging', model_version: staging });
  });

  it('keeps serving the last good model while the registry is down, reports it, and recovers', async () => {
    const production = await registry.publish(await trainedBundle(4), 'production');
    await models.refresh();
    expect((await served()).model_version).toBe(production);

    await registry.stop();
    await models.refresh();
    expect(await served()).toMatchObject({
      status: 200,
      model_version: production,
      model_alias: 'production',
    });
    const down = await health();
    expect(down.status).toBe('ok');
    expect(down.registry).toMatchObject({ url: registry.url, status: 'unreachable', consecutiveFailures: 1 });
    expect(down.registry.lastError).toMatch(/fetch failed|ECONNREFUSED/);
    expect((await app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);

    await registry.restart();
    const next = await registry.publish(await trainedBundle(5), 'production');
    await models.refresh();
    expect((await served()).model_version).toBe(next);
    expect((await health()).registry).toMatchObject({
      status: 'ok',
      consecutiveFailures: 0,
      lastError: expect.any(String),
    });
  });
});
