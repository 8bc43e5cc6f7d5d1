import { fileURLToPath } from 'node:url';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingInput, TrainingResult } from '@mlops/temporal';
import { startTestTemporal } from '../../../test/support/temporal-env.js';
import { stubTrainingActivities as stubActivities } from '../../../test/support/stub-training-activities.js';
import type { TrainingActivities } from '../src/activities.js';

const workflowsPath = fileURLToPath(new URL('../src/workflows.ts', import.meta.url));

describe('trainingPipeline', () => {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundleWithSourceMap;
  let queue = 0;

  beforeAll(async () => {
    env = await startTestTemporal();
    bundle = await bundleWorkflowCode({ workflowsPath });
  });
  afterAll(async () => {
    await env?.teardown();
  });

  async function run(activities: TrainingActivities, input: TrainingInput): Promise<TrainingResult> {
    const taskQueue = `training-test-${++queue}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities,
    });
    return worker.runUntil(
      env.client.workflow.execute('trainingPipeline', {
        taskQueue,
        workflowId: `training-${queue}`,
        args: [input],
      }),
    );
  }

  it('runs the four steps in order and returns the gate decision', async () => {
    const steps: string[] = [];
    const base = stubActivities();
    const result = await run(
      {
        preprocess: async (i) => (steps.push('preprocess'), base.preprocess(i)),
        train: async (i, p) => (steps.push('train'), base.train(i, p)),
        register: async (i, p, t) => (steps.push('register'), base.register(i, p, t)),
        promote: async (p, t, r) => (steps.push('promote'), base.promote(p, t, r)),
      },
      { trigger: { reason: 'manual' } },
    );
    expect(steps).toEqual(['preprocess', 'train', 'register', 'promote']);
    expect(result).toMatchObject({ version: '3', decision: { promoted: false, productionVersion: '2' } });
  });

  it('retries a failing activity twice, as the policy says, then succeeds', async () => {
    const attempts: number[] = [];
    const started = Date.now();
    const result = await run(
      stubActivities({
        train: async () => {
          attempts.push(Date.now() - started);
          if (attempts.length < 3) throw new Error('worker ran out of memory');
          return {
            bundlePath: '/tmp/b',
            metrics: { macro_f1: 0.8 },
            baselineMetrics: {},
            fitSeconds: 1,
            resumedTrees: 0,
          };
        },
      }),
      { trigger: { reason: 'manual' }, retryInterval: '1s' },
    );
    expect(attempts).toHaveLength(3);
    expect(attempts[2]! - attempts[0]!).toBeGreaterThanOrEqual(1900);
    expect(result.version).toBe('3');
  });

  it('gives up after three attempts', async () => {
    let attempts = 0;
    const failing = stubActivities({
      preprocess: async () => {
        attempts += 1;
        throw new Error('registry unreachable');
      },
    });
    await expect(
      run(failing, { trigger: { reason: 'manual' }, retryInterval: '200ms' }),
    ).rejects.toBeInstanceOf(WorkflowFailedError);
    expect(attempts).toBe(3);
  });

  it('does not retry bad data', async () => {
    let attempts = 0;
    const failing = stubActivities({
      preprocess: async () => {
        attempts += 1;
        throw ApplicationFailure.create({ message: 'data/raw is empty', type: 'InvalidDataError' });
      },
    });
    await expect(
      run(failing, { trigger: { reason: 'manual' }, retryInterval: '200ms' }),
    ).rejects.toBeInstanceOf(WorkflowFailedError);
    expect(attempts).toBe(1);
  });
});
