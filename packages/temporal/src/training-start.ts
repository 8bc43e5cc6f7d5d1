/**
 * Starting the training pipeline from a Temporal client (the CLI, the
 * monitoring worker's first-model bootstrap). The workflow id is fixed, so the
 * server runs at most one training at a time; a start while one runs joins it.
 */
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { TRAINING_TASK_QUEUE, TRAINING_WORKFLOW_ID, TRAINING_WORKFLOW_TYPE } from './names.js';
import type { TrainingInput, TrainingResult } from './workflow-types.js';

/** The signature of `trainingPipeline`, for typed handles outside the workflow code. */
export type TrainingPipeline = (input: TrainingInput) => Promise<TrainingResult>;

export interface TrainingPipelineStartOptions {
  /** Task queue of the training worker. Default TRAINING_TASK_QUEUE. */
  taskQueue?: string;
}

export interface TrainingPipelineStart {
  /** The running training: the one just started, or the one that was already going. */
  handle: WorkflowHandle<TrainingPipeline>;
  /** Run id of that training. */
  runId: string;
  /** False when a training was already going and `handle` is that one (its input, not this call's). */
  started: boolean;
}

/**
 * Starts `trainingPipeline` under TRAINING_WORKFLOW_ID with the trigger in its
 * memo, or, when a training is already going under that id, returns that one
 * with `started: false` instead of failing. A finished training does not stand
 * in the way: its id is reused.
 */
export async function startTrainingPipeline(
  client: Client,
  input: TrainingInput,
  options: TrainingPipelineStartOptions = {},
): Promise<TrainingPipelineStart> {
  try {
    const handle = await client.workflow.start<TrainingPipeline>(TRAINING_WORKFLOW_TYPE, {
      workflowId: TRAINING_WORKFLOW_ID,
      taskQueue: options.taskQueue ?? TRAINING_TASK_QUEUE,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
      memo: { trigger: input.trigger },
    });
    return { handle, runId: handle.firstExecutionRunId, started: true };
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    const handle = client.workflow.getHandle<TrainingPipeline>(TRAINING_WORKFLOW_ID);
    const { runId } = await handle.describe();
    return { handle, runId, started: false };
  }
}
