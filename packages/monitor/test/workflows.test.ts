import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MONITORING_TASK_QUEUE,
  TRAINING_TASK_QUEUE,
  TRAINING_WORKFLOW_ID,
  type DriftCheckSummary,
  type MonitoringResult,
  type TrainingInput,
} from '@mlops/temporal';
import { startTestTemporal } from '../../../test/support/temporal-env.js';
import type { MonitoringActivities } from '../src/activities.js';
import { stubTrainingActivities } from '../../../test/support/stub-training-activities.js';

const monitorWorkflows = fileURLToPath(new URL('../src/workflows.ts', import.meta.url));
const trainWorkflows = fileURLToPath(new URL('../../train/src/workflows.ts', import.meta.url));

function drifted(alerts: number): DriftCheckSummary {
  return {
    runId: `check-${alerts}`,
    windowSize: 1000,
    status: alerts > 0 ? 'drift' : 'ok',
    alerts: Array.from({ length: alerts }, (_, i) => ({ name: `psi_${i}`, value: 0.5, threshold: 0.25 })),
    metrics: {},
    modelVersion: '1',
  };
}

describe('monitoringPipeline', () => {
  let env: TestWorkflowEnvironment;
  let monitorBundle: WorkflowBundleWithSourceMap;
  let trainBundle: WorkflowBundleWithSourceMap;

  beforeAll(async () => {
    env = await startTestTemporal();
    [monitorBundle, trainBundle] = await Promise.all([
      bundleWorkflowCode({ workflowsPath: monitorWorkflows }),
      bundleWorkflowCode({ workflowsPath: trainWorkflows }),
    ]);
  });
  afterAll(async () => {
    await env?.teardown();
  });

  /** Runs `body` with a monitoring worker and a training worker whose activities are stubs. */
  async function withWorkers<T>(
    check: DriftCheckSummary,
    trainingStarted: TrainingInput[],
    releaseTraining: Promise<void>,
    outcomes: string[],
    body: () => Promise<T>,
  ): Promise<T> {
    const monitoringActivities: MonitoringActivities = {
      checkDrift: async () => check,
      recordOutcome: async (_runId, outcome) => void outcomes.push(outcome.training),
    };
    const stub = stubTrainingActivities();
    const trainingActivities = stubTrainingActivities({
      preprocess: async (input) => {
        trainingStarted.push(input);
        await releaseTraining;
        return stub.preprocess(input);
      },
      register: async () => ({ experimentId: '1', runId: 'r1', modelName: 'M', version: '1' }),
      promote: async (p, t, r) => ({
        ...(await stub.promote(p, t, r)),
        promoted: true,
        productionMacroF1: null,
        productionVersion: null,
      }),
    });
    const monitorWorker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: MONITORING_TASK_QUEUE,
      workflowBundle: monitorBundle,
      activities: monitoringActivities,
    });
    const trainWorker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TRAINING_TASK_QUEUE,
      workflowBundle: trainBundle,
      activities: trainingActivities,
    });
    return monitorWorker.runUntil(trainWorker.runUntil(body));
  }

  it('does not start training when fewer than minAlerts checks fire', async () => {
    const started: TrainingInput[] = [];
    const outcomes: string[] = [];
    const result = await withWorkers(drifted(1), started, Promise.resolve(), outcomes, () =>
      env.client.workflow.execute('monitoringPipeline', {
        taskQueue: MONITORING_TASK_QUEUE,
        workflowId: 'monitor-no-drift',
        args: [{ minAlerts: 2 }],
      }),
    );
    expect((result as MonitoringResult).training).toBe('not-needed');
    expect(started).toHaveLength(0);
    expect(outcomes).toEqual(['not-needed']);
  });

  it('starts exactly one training run when two drifted checks overlap', async () => {
    const started: TrainingInput[] = [];
    const outcomes: string[] = [];
    let release!: () => void;
    const releaseTraining = new Promise<void>((resolve) => (release = resolve));
    const results = await withWorkers(drifted(3), started, releaseTraining, outcomes, async () => {
      const runs = await Promise.all(
        ['monitor-a', 'monitor-b'].map((workflowId) =>
          env.client.workflow.execute('monitoringPipeline', {
            taskQueue: MONITORING_TASK_QUEUE,
            workflowId,
            args: [{ minAlerts: 2 }],
          }),
        ),
      );
      release();
      const training = await env.client.workflow.getHandle(TRAINING_WORKFLOW_ID).result();
      return { runs: runs as MonitoringResult[], training };
    });
    const outcomesSorted = results.runs.map((r) => r.training).sort();
    expect(outcomesSorted).toEqual(['already-running', 'started']);
    expect(started).toHaveLength(1);
    expect(started[0]!.trigger.reason).toBe('drift');
    expect(started[0]!.trigger.alerts).toHaveLength(3);
    expect(started[0]!.trigger.monitoringRunId).toBe('check-3');
    expect(results.training).toMatchObject({ version: '1', decision: { promoted: true } });

    const description = await env.client.workflow.getHandle(TRAINING_WORKFLOW_ID).describe();
    expect(description.memo?.trigger).toMatchObject({ reason: 'drift' });
    const monitorDescription = await env.client.workflow.getHandle('monitor-a').describe();
    expect(monitorDescription.searchAttributes.DriftAlertCount).toEqual([3]);
  });

  it('starts training on a realized performance alert alone, but not on an estimated one alone', async () => {
    const withAlert = (name: string): DriftCheckSummary => ({
      ...drifted(0),
      runId: `check-${name}`,
      status: 'drift',
      alerts: [{ name, value: 0.12, threshold: 0.03 }],
    });
    const estimatedOutcomes: string[] = [];
    const estimatedStarted: TrainingInput[] = [];
    const estimated = await withWorkers(
      withAlert('performance.estimated'),
      estimatedStarted,
      Promise.resolve(),
      estimatedOutcomes,
      () =>
        env.client.workflow.execute('monitoringPipeline', {
          taskQueue: MONITORING_TASK_QUEUE,
          workflowId: 'monitor-estimated-only',
          args: [{ minAlerts: 2 }],
        }),
    );
    expect((estimated as MonitoringResult).training).toBe('not-needed');
    expect(estimatedStarted).toHaveLength(0);

    const started: TrainingInput[] = [];
    const outcomes: string[] = [];
    const realized = await withWorkers(
      withAlert('performance.realized'),
      started,
      Promise.resolve(),
      outcomes,
      async () => {
        const run = await env.client.workflow.execute('monitoringPipeline', {
          taskQueue: MONITORING_TASK_QUEUE,
          workflowId: 'monitor-realized',
          args: [{ minAlerts: 2 }],
        });
        await env.client.workflow.getHandle(TRAINING_WORKFLOW_ID).result();
        return run;
      },
    );
    expect((realized as MonitoringResult).training).toBe('started');
    expect(started).toHaveLength(1);
    expect(started[0]!.trigger).toMatchObject({
      reason: 'performance',
      alerts: [{ name: 'performance.realized' }],
      monitoringRunId: 'check-performance.realized',
    });
  });
});
