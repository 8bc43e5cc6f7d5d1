/** The promotion gate against the real registry on loopback, with a small real production model. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRODUCTION_ALIAS, createLogger, loadConfig, type Config } from '@mlops/core';
import { saveBundle, trainModel } from '@mlops/core/model';
import { writeSyntheticListings } from '@mlops/core/synthetic';
import { RegistryClient } from '@mlops/registry-client';
import type { PreprocessResult, RegisterResult, TrainResult } from '@mlops/temporal';
import { startTempRegistry } from '../../../test/support/temp-registry-server.js';
import { preprocess } from '../src/preprocess.js';
import { readListings } from '../src/processed-folder.js';
import { promoteCandidate } from '../src/promotion.js';

const logger = createLogger({ name: 'promotion-test', level: 'silent' });

describe('promoteCandidate', () => {
  let registryServer: Awaited<ReturnType<typeof startTempRegistry>>;
  let registry: RegistryClient;
  let dir: string;
  let config: Config;
  let prepared: PreprocessResult;
  /** Macro-F1 of version 1 (the production model) on the held-out listings. */
  let productionMacroF1: number;
  const modelName = 'PromotionTest';

  /** A registry run with a version of `modelName` whose source is the given bundle. */
  async function registerVersion(bundlePath: string): Promise<RegisterResult> {
    const experiment = await registry.getOrCreateExperiment('promotion-test');
    const run = await registry.createRun({ experimentId: experiment.experimentId });
    await registry.uploadArtifact(run.info.runId, 'model.bundle.json', { file: bundlePath });
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

  const trainedWith = (macroF1: number): TrainResult => ({
    bundlePath: '',
    metrics: { macro_f1: macroF1 },
    baselineMetrics: {},
    fitSeconds: 1,
    resumedTrees: 0,
  });

  beforeAll(async () => {
    registryServer = await startTempRegistry();
    registry = new RegistryClient({ baseUrl: registryServer.url });
    dir = mkdtempSync(join(tmpdir(), 'train-promotion-'));
    config = loadConfig({
      DATA_DIR: join(dir, 'data'),
      REGISTRY_URL: registryServer.url,
      PROMOTION_TOLERANCE: '0.01',
      LOG_LEVEL: 'warn',
    });
    const csv = join(dir, 'listings.csv');
    await writeSyntheticListings(csv, { rows: 600, seed: 2 });
    prepared = await preprocess(
      { config, logger },
      { trigger: { reason: 'manual' }, dataPath: csv },
      { workflowId: 'w', runId: 'r' },
    );
    const production = await trainModel(readListings(join(prepared.processedDir, 'train.json')), {
      trees: 3,
      threads: 1,
      baseline: false,
      boosting: false,
      evalListings: readListings(join(prepared.processedDir, 'test.json')),
    });
    productionMacroF1 = production.metrics.macro_f1;
    await saveBundle(join(dir, 'production.bundle.json'), production.bundle);
  });
  afterAll(async () => {
    await registryServer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('promotes the first version, and a version already in production', async () => {
    const first = await registerVersion(join(dir, 'production.bundle.json'));
    const decision = await promoteCandidate({ config, registry, logger }, prepared, trainedWith(0.5), first);
    expect(decision).toEqual({
      promoted: true,
      candidateMacroF1: 0.5,
      productionMacroF1: null,
      productionVersion: null,
      tolerance: 0.01,
      reason: 'no production version yet',
    });
    expect((await registry.getModelVersionByAlias(modelName, PRODUCTION_ALIAS))?.version).toBe('1');
    expect((await registry.getRun(first.runId)).data.tags).toMatchObject({
      'promotion.decision': 'promoted',
      'promotion.production_macro_f1': '',
      'promotion.production_version': '',
    });

    const again = await promoteCandidate({ config, registry, logger }, prepared, trainedWith(0.5), first);
    expect(again).toMatchObject({ promoted: true, productionMacroF1: 0.5, productionVersion: '1' });
  });

  it('scores production on the same held-out listings and lets through at most PROMOTION_TOLERANCE worse', async () => {
    const borderline = await registerVersion(join(dir, 'production.bundle.json'));
    const worse = await promoteCandidate(
      { config, registry, logger },
      prepared,
      trainedWith(productionMacroF1 - 0.01 - 1e-9),
      borderline,
    );
    expect(worse).toMatchObject({ promoted: false, productionMacroF1, productionVersion: '1' });
    expect(worse.reason).toMatch(/^macro-F1 0\.\d{4} < production 0\.\d{4} - 0\.01$/);
    expect((await registry.getModelVersionByAlias(modelName, PRODUCTION_ALIAS))?.version).toBe('1');
    expect((await registry.getRun(borderline.runId)).data.tags).toMatchObject({
      'promotion.decision': 'rejected',
      'promotion.production_macro_f1': String(productionMacroF1),
      'promotion.production_version': '1',
      'promotion.tolerance': '0.01',
    });

    const within = await promoteCandidate(
      { config, registry, logger },
      prepared,
      trainedWith(productionMacroF1 - 0.01),
      borderline,
    );
    expect(within).toMatchObject({ promoted: true, productionMacroF1, productionVersion: '1' });
    expect((await registry.getModelVersionByAlias(modelName, PRODUCTION_ALIAS))?.version).toBe(
      borderline.version,
    );
  });
});
