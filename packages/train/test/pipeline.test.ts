/**
 * The training workflow with its real activities: a real dev server, the real
 * registry on loopback, synthetic listings in a temp data folder.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PRODUCTION_ALIAS,
  STAGING_ALIAS,
  TRAINING_EXPERIMENT,
  createLogger,
  loadConfig,
  type Config,
} from '@mlops/core';
import { type LabelledListing } from '@mlops/core/listing';
import { loadBundle, parseBundle, trainModel } from '@mlops/core/model';
import { listingsFingerprint } from '@mlops/core/sampling';
import { writeSyntheticListings } from '@mlops/core/synthetic';
import { RegistryClient } from '@mlops/registry-client';
import { type TrainingResult } from '@mlops/temporal';
import { startTestTemporal } from '../../../test/support/temporal-env.js';
import { startTempRegistry } from '../../../test/support/temp-registry-server.js';
import { createActivities } from '../src/activities.js';

const workflowsPath = fileURLToPath(new URL('../src/workflows.ts', import.meta.url));

describe('trainingPipeline with its real activities', () => {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundleWithSourceMap;
  let registryServer: Awaited<ReturnType<typeof startTempRegistry>>;
  let registry: RegistryClient;
  let dir: string;
  let config: Config;
  let queue = 0;

  beforeAll(async () => {
    [env, bundle, registryServer] = await Promise.all([
      startTestTemporal(),
      bundleWorkflowCode({ workflowsPath }),
      startTempRegistry(),
    ]);
    registry = new RegistryClient({ baseUrl: registryServer.url });
    dir = mkdtempSync(join(tmpdir(), 'train-pipeline-'));
    config = loadConfig({
      DATA_DIR: join(dir, 'data'),
      MODEL_DIR: join(dir, 'models'),
      REGISTRY_URL: registryServer.url,
      TRAIN_TREES: '20',
      LOG_LEVEL: 'warn',
    });
    await writeSyntheticListings(join(config.DATA_DIR, 'raw', 'listings.csv'), { rows: 3000, seed: 7 });
  });
  afterAll(async () => {
    await env?.teardown();
    await registryServer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function train(input: object): Promise<TrainingResult> {
    const taskQueue = `training-real-${++queue}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities: createActivities({
        config,
        registry,
        logger: createLogger({ name: 'train-test', level: 'warn' }),
      }),
    });
    return worker.runUntil(
      env.client.workflow.execute('trainingPipeline', {
        taskQueue,
        workflowId: `training-real-${queue}`,
        args: [{ trigger: { reason: 'manual' }, ...input }],
      }),
    );
  }

  it('registers a version with its artifacts and promotes the first one to production and staging', async () => {
    const result = await train({});
    expect(result.version).toBe('1');
    expect(result.decision).toMatchObject({ promoted: true, productionVersion: null });
    expect(result.metrics.macro_f1).toBeGreaterThan(0.5);

    const version = await registry.getModelVersionByAlias(config.MODEL_NAME, PRODUCTION_ALIAS);
    expect(version?.version).toBe('1');
    expect((await registry.getModelVersionByAlias(config.MODEL_NAME, STAGING_ALIAS))?.version).toBe('1');
    const run = await registry.getRun(result.runId);
    expect(run.data.tags['promotion.decision']).toBe('promoted');
    expect(run.data.tags['trigger.reason']).toBe('manual');
    const artifacts = (await registry.listArtifacts(result.runId)).map((a) => a.path).sort();
    expect(artifacts).toEqual(['metrics.json', 'model.bundle.json', 'reference.json']);
    const experiment = await registry.getExperimentByName(TRAINING_EXPERIMENT);
    const runs = await registry.searchRuns({ experimentIds: [experiment!.experimentId] });
    expect(runs.map((r) => r.data.tags.model_type).sort()).toEqual([
      'forest+boosting+memory',
      'logistic-regression',
    ]);
    expect(run.info.runName).toMatch(/^model-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    // One data fingerprint: the run's tag is the bundle's, that of the listings the model was fitted on.
    const bundle = parseBundle(
      JSON.parse((await registry.downloadArtifact(version!.source)).toString('utf8')),
    );
    const processed = join(config.DATA_DIR, 'processed');
    const [folder] = readdirSync(processed);
    const trainListings = JSON.parse(
      readFileSync(join(processed, folder!, 'train.json'), 'utf8'),
    ) as LabelledListing[];
    expect(bundle.metadata.dataFingerprint).toBe(listingsFingerprint(trainListings));
    expect(run.data.tags.data_fingerprint).toBe(bundle.metadata.dataFingerprint);
  });

  it('keeps a worse model in staging: the promotion gate refuses it', async () => {
    const result = await train({ trees: 1 });
    expect(result.version).toBe('2');
    expect(result.decision.promoted).toBe(false);
    expect(result.decision.productionVersion).toBe('1');
    expect(result.decision.candidateMacroF1).toBeLessThan(result.decision.productionMacroF1! - 0.005);
    expect((await registry.getModelVersionByAlias(config.MODEL_NAME, PRODUCTION_ALIAS))?.version).toBe('1');
    expect((await registry.getModelVersionByAlias(config.MODEL_NAME, STAGING_ALIAS))?.version).toBe('2');
    const run = await registry.getRun(result.runId);
    expect(run.data.tags['promotion.decision']).toBe('rejected');
    expect(Number(run.data.tags['promotion.production_macro_f1'])).toBeCloseTo(
      result.decision.productionMacroF1!,
      10,
    );
  });
});

describe('a training worker killed mid-training', () => {
  let env: TestWorkflowEnvironment;
  let registryServer: Awaited<ReturnType<typeof startTempRegistry>>;
  let dir: string;
  let config: Config;
  const mainPath = fileURLToPath(new URL('../src/main.ts', import.meta.url));

  beforeAll(async () => {
    [env, registryServer] = await Promise.all([startTestTemporal(), startTempRegistry()]);
    dir = mkdtempSync(join(tmpdir(), 'train-resume-'));
    config = loadConfig({
      DATA_DIR: join(dir, 'data'),
      MODEL_DIR: join(dir, 'models'),
      REGISTRY_URL: registryServer.url,
    });
    await writeSyntheticListings(join(config.DATA_DIR, 'raw', 'listings.csv'), { rows: 12_000, seed: 11 });
  });
  afterAll(async () => {
    await env?.teardown();
    await registryServer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The real worker entry point (`src/main.ts`) as a child process. */
  function startWorker() {
    return spawn(process.execPath, ['--import', import.meta.resolve('tsx'), mainPath], {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: env.address,
        DATA_DIR: config.DATA_DIR,
        MODEL_DIR: config.MODEL_DIR,
        REGISTRY_URL: registryServer.url,
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }

  it('resumes from the last checkpoint on retry and ends with the same forest as an uninterrupted run', async () => {
    const trees = 120;
    const first = startWorker();
    const handle = await env.client.workflow.start('trainingPipeline', {
      taskQueue: 'training',
      workflowId: 'training-resume',
      args: [{ trigger: { reason: 'manual' }, trees, heartbeatTimeout: '3s', retryInterval: '1s' }],
    });
    // Kill the worker (SIGKILL: no cleanup) once the first checkpoint is on disk.
    const checkpoints = join(config.MODEL_DIR, 'checkpoints');
    const deadline = Date.now() + 120_000;
    const hasCheckpoint = () => {
      try {
        return readdirSync(checkpoints).some((d) =>
          readdirSync(join(checkpoints, d)).some((f) => f.endsWith('.json')),
        );
      } catch {
        return false;
      }
    };
    while (!hasCheckpoint()) {
      if (Date.now() > deadline) throw new Error('no checkpoint was written');
      await new Promise((r) => setTimeout(r, 50));
    }
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));

    const second = startWorker();
    try {
      const result = (await handle.result()) as TrainingResult;
      expect(result.resumedTrees).toBeGreaterThanOrEqual(20);
      expect(result.resumedTrees).toBeLessThan(trees);

      const processed = join(config.DATA_DIR, 'processed');
      const [folder] = readdirSync(processed);
      const resumed = await loadBundle(join(processed, folder!, 'model.bundle.json'));
      const read = (name: string) =>
        JSON.parse(readFileSync(join(processed, folder!, name), 'utf8')) as LabelledListing[];
      const uninterrupted = await trainModel(read('train.json'), {
        trees,
        seed: config.TRAIN_SEED,
        evalListings: read('test.json'),
        baseline: false,
      });
      expect(resumed.forest).toEqual(uninterrupted.bundle.forest);
      expect(resumed.pipeline).toEqual(uninterrupted.bundle.pipeline);
    } finally {
      second.kill('SIGTERM');
      await new Promise((r) => second.once('exit', r));
    }
  }, 240_000);
});
