/**
 * startTrainingPipeline against a real dev server. No worker polls the queue,
 * so a started training stays running until the test terminates it.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTemporal } from '../../../test/support/temporal-env.js';
import { TRAINING_TASK_QUEUE, TRAINING_WORKFLOW_ID, TRAINING_WORKFLOW_TYPE } from '../src/names.js';
import { startTrainingPipeline } from '../src/training-start.js';

describe('startTrainingPipeline', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await startTestTemporal();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('starts the pipeline under the fixed id, joins it while it runs, and starts anew once it ended', async () => {
    const first = await startTrainingPipeline(env.client, { trigger: { reason: 'manual' }, trees: 7 });
    expect(first.started).toBe(true);
    const description = await first.handle.describe();
    expect(description).toMatchObject({
      workflowId: TRAINING_WORKFLOW_ID,
      runId: first.runId,
      type: TRAINING_WORKFLOW_TYPE,
      taskQueue: TRAINING_TASK_QUEUE,
      status: { name: 'RUNNING' },
    });
    expect(description.memo).toEqual({ trigger: { reason: 'manual' } });

    // A second start (another trigger) joins the running one instead of failing or starting another.
    const second = await startTrainingPipeline(env.client, { trigger: { reason: 'bootstrap' } });
    expect(second.started).toBe(false);
    expect(second.runId).toBe(first.runId);
    expect((await second.handle.describe()).runId).toBe(first.runId);

    await first.handle.terminate('test over');
    const third = await startTrainingPipeline(env.client, { trigger: { reason: 'drift' } });
    expect(third.started).toBe(true);
    expect(third.runId).not.toBe(first.runId);
    await third.handle.terminate('test over');
  });

  it('takes another task queue when asked', async () => {
    const start = await startTrainingPipeline(
      env.client,
      { trigger: { reason: 'manual' } },
      { taskQueue: 'training-elsewhere' },
    );
    expect((await start.handle.describe()).taskQueue).toBe('training-elsewhere');
    await start.handle.terminate('test over');
  });
});
