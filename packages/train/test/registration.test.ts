/** Registration against the real registry on loopback, with stand-in artifact files. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAGING_ALIAS, TRAINING_EXPERIMENT, createLogger, loadConfig, type Config } from '@mlops/core';
import { RegistryClient } from '@mlops/registry-client';
import type { PreprocessResult, TrainResult } from '@mlops/temporal';
import { startTempRegistry } from '../../../test/support/temp-registry-server.js';
import { BASELINE_MODEL_TYPE, MODEL_TYPE, registerCandidate } from '../src/registration.js';

const logger = createLogger({ name: 'registration-test', level: 'silent' });

describe('registerCandidate', () => {
  let registryServer: Awaited<ReturnType<typeof startTempRegistry>>;
  let registry: RegistryClient;
  let dir: string;
  let config: Config;
  let prepared: PreprocessResult;
  const trained: TrainResult = {
    bundlePath: '',
    metrics: { accuracy: 0.81, macro_f1: 0.8 },
    baselineMetrics: { accuracy: 0.7, macro_f1: 0.69 },
    fitSeconds: 2.5,
    resumedTrees: 0,
  };
  const input = {
    trigger: {
      reason: 'drift' as const,
      alerts: [{ name: 'psi_district', value: 0.4, threshold: 0.25 }],
      monitoringRunId: 'm1',
    },
    trees: 30,
    seed: 4,
  };

  beforeAll(async () => {
    registryServer = await startTempRegistry();
    registry = new RegistryClient({ baseUrl: registryServer.url });
    dir = mkdtempSync(join(tmpdir(), 'train-registration-'));
    config = loadConfig({
      REGISTRY_URL: registryServer.url,
      MODEL_NAME: 'RegistrationTest',
      LOG_LEVEL: 'warn',
    });
    trained.bundlePath = join(dir, 'model.bundle.json');
    writeFileSync(trained.bundlePath, '{"kind": "stand-in"}');
    writeFileSync(join(dir, 'reference.json'), '{}');
    prepared = {
      processedDir: dir,
      referencePath: join(dir, 'reference.json'),
      nTrain: 800,
      nTest: 200,
      nBadRows: 3,
      dataFingerprint: 'ab'.repeat(32),
    };
  });
  afterAll(async () => {
    await registryServer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs the blended model as one run, its baseline as another, and makes a staging version', async () => {
    const workflowRun = { workflowId: 'training-pipeline', runId: 'wr1' };
    const result = await registerCandidate(
      { config, registry, logger },
      input,
      prepared,
      trained,
      workflowRun,
    );
    expect(result).toMatchObject({ modelName: 'RegistrationTest', version: '1' });

    const run = await registry.getRun(result.runId);
    expect(run.info.runName).toMatch(/^model-/);
    expect(run.info.status).toBe('FINISHED');
    expect(run.data.tags).toMatchObject({
      model_type: MODEL_TYPE,
      workflow_id: 'training-pipeline',
      workflow_run_id: 'wr1',
      'trigger.reason': 'drift',
      'trigger.alerts': JSON.stringify(input.trigger.alerts),
      'trigger.monitoring_run_id': 'm1',
      data_fingerprint: prepared.dataFingerprint,
    });
    expect(run.data.params).toMatchObject({
      trees: '30',
      seed: '4',
      n_train: '800',
      n_test: '200',
      n_bad_rows: '3',
      test_fraction: '0.2',
    });
    expect(run.data.metrics).toMatchObject({ accuracy: 0.81, macro_f1: 0.8, fit_seconds: 2.5 });
    const metricsFile = await registry.downloadArtifact(run.info.artifactUri, 'metrics.json');
    expect(JSON.parse(metricsFile.toString('utf8'))).toEqual({
      model: trained.metrics,
      baseline: trained.baselineMetrics,
    });

    const experiment = await registry.getExperimentByName(TRAINING_EXPERIMENT);
    const [baseline] = await registry.searchRuns({
      experimentIds: [experiment!.experimentId],
      filter: `tags.model_type = '${BASELINE_MODEL_TYPE}'`,
    });
    expect(baseline?.info.runName).toMatch(/^baseline-/);
    expect(baseline?.data.tags).toMatchObject({ workflow_run_id: 'wr1', model_run_id: result.runId });
    expect(baseline?.data.metrics).toMatchObject({ accuracy: 0.7, macro_f1: 0.69 });

    const staging = await registry.getModelVersionByAlias('RegistrationTest', STAGING_ALIAS);
    expect(staging).toMatchObject({ version: '1', runId: result.runId });
    expect(staging?.tags).toMatchObject({ macro_f1: '0.8', 'trigger.reason': 'drift' });
  });

  it('finds what an earlier attempt of the same workflow run made instead of making it again', async () => {
    const workflowRun = { workflowId: 'training-pipeline', runId: 'wr2' };
    const first = await registerCandidate(
      { config, registry, logger },
      input,
      prepared,
      trained,
      workflowRun,
    );
    const retried = await registerCandidate(
      { config, registry, logger },
      input,
      prepared,
      trained,
      workflowRun,
    );
    expect(retried).toEqual(first);
    const experiment = await registry.getExperimentByName(TRAINING_EXPERIMENT);
    const runs = await registry.searchRuns({
      experimentIds: [experiment!.experimentId],
      filter: "tags.workflow_run_id = 'wr2'",
    });
    expect(runs.map((r) => r.data.tags.model_type).sort()).toEqual([BASELINE_MODEL_TYPE, MODEL_TYPE].sort());
    expect(await registry.searchModelVersions({ name: 'RegistrationTest' })).toHaveLength(2);
  });
});
