/**
 * The registration step: the run of the trained model in the registry (tags,
 * params, metrics, artifacts), a run of its logistic baseline, and a version
 * of the registered model with the `staging` alias. Rerunnable: a retried
 * attempt finds the runs and the version its earlier attempt made.
 */
import {
  MODEL_BUNDLE_FILE,
  REFERENCE_SNAPSHOT_FILE,
  STAGING_ALIAS,
  TRAINING_EXPERIMENT,
  type Config,
  type Logger,
} from '@mlops/core';
import { DEFAULT_HOLDOUT_FRACTION } from '@mlops/core/model';
import type { RegistryClient } from '@mlops/registry-client';
import type { PreprocessResult, RegisterResult, TrainingInput, TrainResult } from '@mlops/temporal';
import type { WorkflowRun } from './workflow-run.js';

/** `model_type` tag of the served model's run: a blend of a forest, gradient boosting and a listing memory. */
export const MODEL_TYPE = 'forest+boosting+memory';
/** `model_type` tag of the logistic-regression baseline's run. */
export const BASELINE_MODEL_TYPE = 'logistic-regression';

/** `<prefix>-YYYY-MM-DDTHH:MM:SS`: the name of a run started now. */
function runName(prefix: string): string {
  return `${prefix}-${new Date().toISOString().slice(0, 19)}`;
}

/** Registers the trained model of a workflow run as a new `staging` version. */
export async function registerCandidate(
  deps: { config: Config; registry: RegistryClient; logger: Logger },
  input: TrainingInput,
  prepared: PreprocessResult,
  trained: TrainResult,
  workflowRun: WorkflowRun,
): Promise<RegisterResult> {
  const { config, registry, logger } = deps;
  const { workflowId, runId: workflowRunId } = workflowRun;
  const experiment = await registry.getOrCreateExperiment(TRAINING_EXPERIMENT);
  const existing = await registry.searchRuns({
    experimentIds: [experiment.experimentId],
    filter: `tags.workflow_run_id = '${workflowRunId}' AND tags.model_type = '${MODEL_TYPE}'`,
    maxResults: 1,
  });
  const run =
    existing[0] ??
    (await registry.createRun({
      experimentId: experiment.experimentId,
      runName: runName('model'),
      tags: {
        model_type: MODEL_TYPE,
        workflow_id: workflowId,
        workflow_run_id: workflowRunId,
        'trigger.reason': input.trigger.reason,
        'trigger.alerts': JSON.stringify(input.trigger.alerts ?? []),
        ...(input.trigger.monitoringRunId
          ? { 'trigger.monitoring_run_id': input.trigger.monitoringRunId }
          : {}),
        // listingsFingerprint of the training listings: the bundle's metadata.dataFingerprint.
        data_fingerprint: prepared.dataFingerprint,
      },
    }));
  const runId = run.info.runId;
  await registry.logParams(runId, {
    trees: input.trees ?? config.TRAIN_TREES,
    seed: input.seed ?? config.TRAIN_SEED,
    n_train: prepared.nTrain,
    n_test: prepared.nTest,
    n_bad_rows: prepared.nBadRows,
    test_fraction: DEFAULT_HOLDOUT_FRACTION,
  });
  await registry.logMetrics(runId, { ...trained.metrics, fit_seconds: trained.fitSeconds });
  await registry.uploadArtifact(runId, MODEL_BUNDLE_FILE, { file: trained.bundlePath });
  await registry.uploadArtifact(runId, REFERENCE_SNAPSHOT_FILE, { file: prepared.referencePath });
  await registry.uploadArtifact(
    runId,
    'metrics.json',
    JSON.stringify({ model: trained.metrics, baseline: trained.baselineMetrics }, null, 2),
  );
  await registry.endRun(runId, 'FINISHED');

  if (Object.keys(trained.baselineMetrics).length > 0) {
    // The baseline gets a run of its own, as the old pipeline logged it.
    const baseline = await registry.searchRuns({
      experimentIds: [experiment.experimentId],
      filter: `tags.workflow_run_id = '${workflowRunId}' AND tags.model_type = '${BASELINE_MODEL_TYPE}'`,
      maxResults: 1,
    });
    if (baseline.length === 0) {
      const baselineRun = await registry.createRun({
        experimentId: experiment.experimentId,
        runName: runName('baseline'),
        tags: { model_type: BASELINE_MODEL_TYPE, workflow_run_id: workflowRunId, model_run_id: runId },
      });
      await registry.logMetrics(baselineRun.info.runId, trained.baselineMetrics);
      await registry.endRun(baselineRun.info.runId, 'FINISHED');
    }
  }

  const modelName = config.MODEL_NAME;
  await registry.createRegisteredModel(modelName, {
    description: 'Price category (low / medium / high) of an Istanbul apartment listing',
  });
  const versions = await registry.searchModelVersions({ name: modelName });
  const version =
    versions.find((v) => v.runId === runId) ??
    (await registry.createModelVersion(modelName, `${run.info.artifactUri}/${MODEL_BUNDLE_FILE}`, runId, {
      macro_f1: String(trained.metrics.macro_f1),
      'trigger.reason': input.trigger.reason,
    }));
  await registry.setAlias(modelName, STAGING_ALIAS, version.version);
  logger.info(
    { runId, version: version.version },
    `registered ${modelName} version ${version.version} (staging)`,
  );
  return { experimentId: experiment.experimentId, runId, modelName, version: version.version };
}
