import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelSource, type ModelSourceOptions } from '../src/model-source.js';
import { REFERENCE_LISTING } from '../src/predictor.js';
import { InMemoryRegistry, readRuleBundle, ruleBundle } from './rule-bundles.js';

const big = { ...REFERENCE_LISTING, GrossSquareMeters: 150 };

describe('ModelSource', () => {
  let dir: string;
  let localPath: string;
  let registry: InMemoryRegistry;

  const source = (overrides: Partial<ModelSourceOptions> = {}) =>
    new ModelSource({
      modelName: 'HousingPriceClassifier',
      registry,
      localBundlePath: localPath,
      readBundle: readRuleBundle,
      refreshIntervalMs: 60_000,
      ...overrides,
    });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'model-source-'));
    mkdirSync(join(dir, 'models'));
    localPath = join(dir, 'models', 'model.bundle.json');
    registry = new InMemoryRegistry();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('has no model when neither the registry nor the local folder has one', async () => {
    const models = source();
    expect(await models.refresh()).toBe('no_model');
    expect(models.current).toBeNull();
    expect(models.registryStatus().status).toBe('ok');
  });

  it('prefers production, then staging, then the local bundle', async () => {
    writeFileSync(localPath, ruleBundle(10));
    const models = source();
    await models.refresh();
    expect(models.current).toMatchObject({ alias: 'local', source: localPath });
    expect(models.current!.version).toMatch(/^local-[0-9a-f]{12}$/);

    registry.setAlias('staging', '1', ruleBundle(20));
    expect(await models.refresh()).toBe('swapped');
    expect(models.current).toMatchObject({ alias: 'staging', version: '1', name: 'HousingPriceClassifier' });

    registry.setAlias('production', '2', ruleBundle(200));
    expect(await models.refresh()).toBe('swapped');
    expect(models.current).toMatchObject({ alias: 'production', version: '2' });
    expect(models.current!.source).toBe('mlflow-artifacts:/1/run2/artifacts/model.bundle.json');
    expect(models.current!.predictor.predict(big).price_category).toBe('low');
  });

  it('downloads nothing when the aliases still point where they did', async () => {
    registry.setAlias('production', '1', ruleBundle(20));
    const models = source();
    await models.refresh();
    expect(await models.refresh()).toBe('unchanged');
    expect(await models.refresh()).toBe('unchanged');
    expect(registry.downloads).toBe(1);
  });

  it('swaps with one reference change: a request holding the old model finishes on it', async () => {
    registry.setAlias('production', '1', ruleBundle(200));
    const models = source();
    await models.refresh();
    const heldByRequest = models.current!;
    registry.setAlias('production', '2', ruleBundle(20));
    await models.refresh();
    expect(models.current!.version).toBe('2');
    expect(heldByRequest.version).toBe('1');
    expect(heldByRequest.predictor.predict(big).price_category).toBe('low');
    expect(models.current!.predictor.predict(big).price_category).toBe('high');
  });

  it('relabels without reloading when the staging version is promoted to production', async () => {
    registry.setAlias('staging', '4', ruleBundle(20));
    const models = source();
    await models.refresh();
    const staged = models.current!;
    registry.setAlias('production', '4');
    expect(await models.refresh()).toBe('swapped');
    expect(models.current).toMatchObject({ alias: 'production', version: '4' });
    expect(models.current!.predictor).toBe(staged.predictor);
    expect(registry.downloads).toBe(1);
  });

  it.each([
    ['a bundle that does not parse', '{"kind":"something else"}', /not a rule test bundle/],
    ['a model that throws on the reference listing', ruleBundle(20, 'throws'), /failed to predict.*exploded/],
    ['a model with probabilities outside [0, 1] sums', ruleBundle(20, 'bad_probabilities'), /sum to 2.7/],
  ])('keeps the last good model when the new production version is %s', async (_name, bundle, why) => {
    registry.setAlias('production', '1', ruleBundle(20));
    const models = source();
    await models.refresh();
    registry.setAlias('production', '2', bundle);
    expect(await models.refresh()).toBe('kept_last_good');
    expect(models.current!.version).toBe('1');
    expect(models.lastLoadFailure()).toMatchObject({ alias: 'production', version: '2' });
    expect(models.lastLoadFailure()!.message).toMatch(why);
    // A rejected version is not downloaded again at every poll.
    const downloads = registry.downloads;
    expect(await models.refresh()).toBe('kept_last_good');
    expect(registry.downloads).toBe(downloads);
  });

  it('falls through a broken production version to staging when nothing is served yet', async () => {
    registry.setAlias('production', '2', ruleBundle(20, 'throws'));
    registry.setAlias('staging', '3', ruleBundle(20));
    const models = source();
    expect(await models.refresh()).toBe('swapped');
    expect(models.current).toMatchObject({ alias: 'staging', version: '3' });
  });

  it('keeps serving the registry model while the registry is down and reports the outage', async () => {
    writeFileSync(localPath, ruleBundle(10));
    registry.setAlias('production', '1', ruleBundle(20));
    const models = source();
    await models.refresh();
    registry.down = true;
    expect(await models.refresh()).toBe('kept_last_good');
    expect(models.current).toMatchObject({ alias: 'production', version: '1' });
    const status = models.registryStatus();
    expect(status).toMatchObject({
      status: 'unreachable',
      consecutiveFailures: 1,
      url: 'http://registry.test',
    });
    expect(status.lastError).toMatch(/fetch failed/);
    registry.down = false;
    registry.setAlias('production', '2', ruleBundle(30));
    expect(await models.refresh()).toBe('swapped');
    expect(models.registryStatus()).toMatchObject({ status: 'ok', consecutiveFailures: 0 });
  });

  it('starts from the local bundle when the registry is down from the start', async () => {
    writeFileSync(localPath, ruleBundle(10));
    registry.down = true;
    const models = source();
    expect(await models.refresh()).toBe('swapped');
    expect(models.current!.alias).toBe('local');
    expect(models.registryStatus().status).toBe('unreachable');
  });

  it('retries a download that failed because the registry went away', async () => {
    registry.setAlias('production', '1', ruleBundle(20));
    const models = source();
    const flaky = registry.downloadBundle.bind(registry);
    let failures = 1;
    registry.downloadBundle = async (s) => {
      if (failures-- > 0) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      return flaky(s);
    };
    expect(await models.refresh()).toBe('no_model');
    expect(await models.refresh()).toBe('swapped');
  });

  it('retries a version whose bundle is not uploaded yet at the next poll', async () => {
    registry.setAlias('production', '1');
    const models = source();
    const download = registry.downloadBundle.bind(registry);
    registry.downloadBundle = async (s) => {
      if (!registry.files.has(s)) throw Object.assign(new Error('RESOURCE_DOES_NOT_EXIST'), { status: 404 });
      return download(s);
    };
    expect(await models.refresh()).toBe('no_model');
    expect(models.lastLoadFailure()).toMatchObject({ version: '1', message: 'RESOURCE_DOES_NOT_EXIST' });
    registry.setAlias('production', '1', ruleBundle(20));
    expect(await models.refresh()).toBe('swapped');
  });

  it('reloads the local bundle when the file changes', async () => {
    writeFileSync(localPath, ruleBundle(10));
    const models = source({ registry: null });
    await models.refresh();
    const first = models.current!.version;
    writeFileSync(localPath, ruleBundle(1000) + ' ');
    expect(await models.refresh()).toBe('swapped');
    expect(models.current!.version).not.toBe(first);
    expect(models.registryStatus().status).toBe('not_configured');
  });

  it('polls on its own every refresh interval after start, and stops', async () => {
    const models = source({ refreshIntervalMs: 30 });
    expect(await models.start()).toBe('no_model');
    registry.setAlias('production', '1', ruleBundle(20));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(models.current?.version).toBe('1');
    models.stop();
    registry.setAlias('production', '2', ruleBundle(30));
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(models.current?.version).toBe('1');
  });

  it('times out a registry call that hangs and keeps what it has', async () => {
    registry.setAlias('production', '1', ruleBundle(20));
    const models = source({ registryTimeoutMs: 50 });
    await models.refresh();
    registry.versionByAlias = () => new Promise(() => {});
    expect(await models.refresh()).toBe('kept_last_good');
    expect(models.registryStatus().lastError).toMatch(/timed out after 50 ms/);
  });
});
