/**
 * The monitoring workflow with its real activities, against a real dev server
 * and registry: a production model trained by the real training pipeline, a
 * production log of what it served, and the retraining it starts (or not).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MONITORING_EXPERIMENT, PRODUCTION_ALIAS, createLogger, loadConfig, type Config } from '@mlops/core';
import { RAW_COLUMNS, formatRawListingsCsv, parseRawListingsCsv } from '@mlops/core/listing';
import { Model, parseBundle } from '@mlops/core/model';
import { generateRawListings, writeSyntheticListings, type SyntheticDrift } from '@mlops/core/synthetic';
import { RegistryClient } from '@mlops/registry-client';
import {
  MONITORING_TASK_QUEUE,
  TRAINING_TASK_QUEUE,
  TRAINING_WORKFLOW_ID,
  type MonitoringResult,
  type TrainingResult,
} from '@mlops/temporal';
import { createActivities as createTrainingActivities } from '@mlops/train';
import { startTestTemporal } from '../../../test/support/temporal-env.js';
import { startTempRegistry } from '../../../test/support/temp-registry-server.js';
import { createActivities } from '../src/activities.js';
import { DRIFT_PLOT_FILES } from '../src/check.js';
import { PERFORMANCE_PLOT_FILES } from '../src/performance-check.js';
import { productionLogPath } from '../src/production-window.js';
import { writeProductionLog } from './production-log-fixture.js';

describe('monitoringPipeline with its real activities', () => {
  let env: TestWorkflowEnvironment;
  let registryServer: Awaited<ReturnType<typeof startTempRegistry>>;
  let registry: RegistryClient;
  let dir: string;
  let config: Config;
  let makeWorkers: () => Promise<[Worker, Worker]>;
  let checks = 0;

  beforeAll(async () => {
    [env, registryServer] = await Promise.all([startTestTemporal(), startTempRegistry()]);
    registry = new RegistryClient({ baseUrl: registryServer.url });
    dir = mkdtempSync(join(tmpdir(), 'monitor-pipeline-'));
    config = loadConfig({
      DATA_DIR: join(dir, 'data'),
      MODEL_DIR: join(dir, 'models'),
      REGISTRY_URL: registryServer.url,
      TRAIN_TREES: '20',
      LOG_LEVEL: 'warn',
    });
    await writeSyntheticListings(join(config.DATA_DIR, 'raw', 'listings.csv'), { rows: 4000, seed: 3 });
    const logger = createLogger({ name: 'monitor-test', level: 'warn' });
    const [monitorBundle, trainBundle] = await Promise.all([
      bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('../src/workflows.ts', import.meta.url)) }),
      bundleWorkflowCode({
        workflowsPath: fileURLToPath(new URL('../../train/src/workflows.ts', import.meta.url)),
      }),
    ]);
    // A worker runs once (runUntil shuts it down), so each test gets a fresh pair.
    makeWorkers = () =>
      Promise.all([
        Worker.create({
          connection: env.nativeConnection,
          taskQueue: MONITORING_TASK_QUEUE,
          workflowBundle: monitorBundle,
          activities: createActivities({ config, registry, logger }),
        }),
        Worker.create({
          connection: env.nativeConnection,
          taskQueue: TRAINING_TASK_QUEUE,
          workflowBundle: trainBundle,
          activities: createTrainingActivities({ config, registry, logger }),
        }),
      ]);
  });
  afterAll(async () => {
    await env?.teardown();
    await registryServer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const running = async <T>(body: () => Promise<T>): Promise<T> => {
    const [monitor, train] = await makeWorkers();
    return monitor.runUntil(train.runUntil(body));
  };

  /** Logs `rows` listings per scenario as served by the production version, with its predictions. */
  async function serve(scenarios: (SyntheticDrift | null)[], rows: number, seed: number): Promise<string> {
    const production = await registry.getModelVersionByAlias(config.MODEL_NAME, PRODUCTION_ALIAS);
    const model = Model.fromBundle(
      parseBundle(JSON.parse((await registry.downloadArtifact(production!.source)).toString())),
    );
    const listings = scenarios.flatMap(
      (drift, i) =>
        parseRawListingsCsv(
          formatRawListingsCsv(generateRawListings({ rows, seed: seed + i, drift }), RAW_COLUMNS),
        ).listings,
    );
    writeProductionLog(
      productionLogPath(config.DATA_DIR),
      listings.map((listing) => ({
        listing,
        prediction: model.predict(listing).price_category,
        modelVersion: production!.version,
      })),
      { startTs: Date.now() },
    );
    return production!.version;
  }

  const check = () =>
    env.client.workflow.execute('monitoringPipeline', {
      taskQueue: MONITORING_TASK_QUEUE,
      workflowId: `check-${++checks}`,
      args: [{ minAlerts: config.DRIFT_MIN_ALERTS }],
    }) as Promise<MonitoringResult>;

  it('trains the first production model', async () => {
    const first = await running(() =>
      env.client.workflow.execute('trainingPipeline', {
        taskQueue: TRAINING_TASK_QUEUE,
        workflowId: TRAINING_WORKFLOW_ID,
        args: [{ trigger: { reason: 'bootstrap' } }],
      }),
    );
    expect((first as TrainingResult).decision.promoted).toBe(true);
  });

  it('raises no alert and starts no training on undrifted traffic', async () => {
    const version = await serve([null], 600, 100);
    const result = await running(check);
    expect(result.check).toMatchObject({ status: 'ok', alerts: [], modelVersion: version, windowSize: 600 });
    expect(result.training).toBe('not-needed');
    const run = await registry.getRun(result.check.runId!);
    expect(run.data.tags['retraining.outcome']).toBe('not-needed');
  });

  it('starts exactly one training run when two checks of drifted traffic overlap, and records why', async () => {
    const version = await serve(['district-shift', 'unseen-addresses'], 400, 200);
    const { results, training } = await running(async () => {
      const results = await Promise.all([check(), check()]);
      const training = (await env.client.workflow.getHandle(TRAINING_WORKFLOW_ID).result()) as TrainingResult;
      return { results, training };
    });
    for (const result of results) {
      expect(result.check.modelVersion).toBe(version);
      expect(result.check.alerts.map((a) => a.name)).toEqual(
        expect.arrayContaining(['psi.district', 'cardinality.address']),
      );
    }
    expect(results.map((r) => r.training).sort()).toEqual(['already-running', 'started']);
    expect(Number(training.version)).toBe(Number(version) + 1);

    const description = await env.client.workflow.getHandle(TRAINING_WORKFLOW_ID).describe();
    const trigger = description.memo?.trigger as { reason: string; alerts: { name: string }[] };
    expect(trigger.reason).toBe('drift');
    expect(trigger.alerts.map((a) => a.name)).toEqual(
      expect.arrayContaining(['psi.district', 'cardinality.address']),
    );

    const trainingRun = await registry.getRun(training.runId);
    expect(trainingRun.data.tags['trigger.reason']).toBe('drift');
    const starter = results.find((r) => r.training === 'started')!;
    expect(trainingRun.data.tags['trigger.monitoring_run_id']).toBe(starter.check.runId);

    const monitoringRun = await registry.getRun(starter.check.runId!);
    expect(monitoringRun.data.tags['drift.status']).toBe('drift');
    expect(monitoringRun.data.tags['retraining.outcome']).toBe('started');
    expect(JSON.parse(monitoringRun.data.tags['drift.alerts']!)).toHaveLength(starter.check.alerts.length);
    const artifacts = (await registry.listArtifacts(starter.check.runId!, 'plots')).map((a) => a.path);
    // The four drift plots, and the accuracy plot of the performance check (no feedback: no confusion matrix).
    expect(artifacts.map((path) => path.replace(/^plots\//, '')).sort()).toEqual(
      [...Object.values(DRIFT_PLOT_FILES), PERFORMANCE_PLOT_FILES.accuracy].sort(),
    );
    expect(monitoringRun.data.tags['performance.status']).toBe('evaluated');
    expect(monitoringRun.data.tags['performance.realized']).toMatch(/^n\/a: no labelled rows/);
    const report = (await registry.downloadArtifact(starter.check.runId!, 'drift-report.html')).toString();
    expect(report).toMatch(
      /src="\/api\/2\.0\/mlflow-artifacts\/artifacts\/[^"]+\/plots\/district-distribution\.png"/,
    );
    expect(report).toContain('cardinality.address');
    const experiment = await registry.getExperimentByName(MONITORING_EXPERIMENT);
    expect(experiment).toBeDefined();
  });
});
