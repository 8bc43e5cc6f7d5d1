import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BundleFormatError, createLogger, loadConfig } from '@mlops/core';
import { createModelSource, readModelBundle, RegistryClientLookup } from '../src/model-loading.js';
import { REFERENCE_LISTING, verifyPredictor } from '../src/predictor.js';
import { TempRegistry } from './temp-registry.js';
import { trainedBundle } from './trained-bundles.js';

describe('readModelBundle', () => {
  it('turns a trained bundle into a predictor that passes the serving check', async () => {
    const predictor = readModelBundle(await trainedBundle(), 'models/model.bundle.json');
    expect(() => verifyPredictor(predictor)).not.toThrow();
    expect(['low', 'medium', 'high']).toContain(predictor.predict(REFERENCE_LISTING).price_category);
  });

  it('refuses text that is not JSON, or JSON that is not a bundle, naming the origin', () => {
    expect(() => readModelBundle('{not json', 'models/model.bundle.json')).toThrow(BundleFormatError);
    expect(() => readModelBundle('{not json', 'models/model.bundle.json')).toThrow(
      /^models\/model\.bundle\.json is not valid JSON: /,
    );
    expect(() => readModelBundle('[1, 2]', 'mlflow-artifacts:/1/r/model.bundle.json')).toThrow(
      'mlflow-artifacts:/1/r/model.bundle.json is not a model bundle',
    );
    expect(() => readModelBundle('{oops')).toThrow(/^model bundle is not valid JSON/);
  });
});

describe('registry lookups and the configured model source', () => {
  let registry: TempRegistry;
  let dir: string;
  let bundle: string;

  beforeAll(async () => {
    registry = await TempRegistry.start();
    dir = mkdtempSync(join(tmpdir(), 'api-model-loading-'));
    bundle = await trainedBundle();
  });

  afterAll(async () => {
    await registry.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the version an alias points at and downloads its bundle', async () => {
    const lookup = new RegistryClientLookup({ url: `${registry.url}/` });
    expect(lookup.url).toBe(registry.url);
    expect(await lookup.versionByAlias(registry.modelName, 'production')).toBeNull();

    const version = await registry.publish(bundle, 'production');
    const found = await lookup.versionByAlias(registry.modelName, 'production');
    expect(found).toEqual({
      version,
      source: expect.stringMatching(/^mlflow-artifacts:\/.*\/model\.bundle\.json$/),
    });
    expect(await lookup.versionByAlias(registry.modelName, 'staging')).toBeNull();
    expect(await lookup.downloadBundle(found!.source)).toBe(bundle);
    await registry.deleteAlias('production');
  });

  it('builds the model source from the config: the registry first, then <MODEL_DIR>/model.bundle.json', async () => {
    const localPath = join(dir, 'model.bundle.json');
    writeFileSync(localPath, bundle);
    const config = loadConfig({
      REGISTRY_URL: registry.url,
      MODEL_DIR: dir,
      MODEL_NAME: registry.modelName,
      MODEL_REFRESH_SECONDS: '30',
    });
    const models = createModelSource(config, createLogger({ name: 'api-test', level: 'silent' }));
    expect(models.registryStatus()).toMatchObject({ url: registry.url, status: 'unknown' });

    expect(await models.refresh()).toBe('swapped');
    expect(models.current).toMatchObject({ name: registry.modelName, alias: 'local', source: localPath });
    expect(models.registryStatus().status).toBe('ok');

    const version = await registry.publish(bundle, 'production');
    expect(await models.refresh()).toBe('swapped');
    expect(models.current).toMatchObject({ alias: 'production', version });
  });
});
