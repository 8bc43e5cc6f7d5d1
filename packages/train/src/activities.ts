/**
 * The training workflow's activities, built by one factory from the worker's
 * dependencies (config, registry client, logger). Each is one call into its
 * step's module; what is Temporal's stays here: the workflow run an activity
 * belongs to, the heartbeats and cancellation of training, and typed failures.
 */
import { activityInfo, cancellationSignal, heartbeat } from '@temporalio/activity';
import type { TrainingStage } from '@mlops/core/model';
import type {
  PreprocessResult,
  PromotionDecision,
  RegisterResult,
  TrainingInput,
  TrainResult,
} from '@mlops/temporal';
import type { TrainingDependencies } from './dependencies.js';
import { withFailureTypes } from './failure-types.js';
import { preprocess } from './preprocess.js';
import { promoteCandidate } from './promotion.js';
import { registerCandidate } from './registration.js';
import { trainCandidate } from './training.js';
import type { WorkflowRun } from './workflow-run.js';

export type { TrainingDependencies } from './dependencies.js';

/**
 * Progress heartbeated by the train activity: forest trees finished (the
 * resume point after a retry: they are in the checkpoint), then boosting
 * rounds finished (not checkpointed: a retry fits the boosting again).
 */
export interface TrainHeartbeat {
  treesDone: number;
  boostingRoundsDone?: number;
  boostingRounds?: number;
}

/** What the train activity heartbeats for a progress report of the training. */
function trainHeartbeat(trees: number, done: number, total: number, stage: TrainingStage): TrainHeartbeat {
  return stage === 'forest'
    ? { treesDone: done }
    : { treesDone: trees, boostingRoundsDone: done, boostingRounds: total };
}

/** The workflow run of the running activity (`standalone` outside a workflow). */
function currentWorkflowRun(): WorkflowRun {
  const execution = activityInfo().workflowExecution;
  return { workflowId: execution?.workflowId ?? 'standalone', runId: execution?.runId ?? 'standalone' };
}

/** The real training activities, on the given dependencies. */
export function createActivities(deps: TrainingDependencies) {
  return {
    preprocess: (input: TrainingInput): Promise<PreprocessResult> =>
      withFailureTypes(() => preprocess(deps, input, currentWorkflowRun())),

    train: (input: TrainingInput, prepared: PreprocessResult): Promise<TrainResult> =>
      withFailureTypes(() => {
        const info = activityInfo();
        const lastBeat = (info.heartbeatDetails as TrainHeartbeat | undefined)?.treesDone ?? 0;
        if (lastBeat > 0)
          deps.logger.info(
            { lastBeat, attempt: info.attempt },
            'retrying training: resuming from its checkpoint',
          );
        const trees = input.trees ?? deps.config.TRAIN_TREES;
        return trainCandidate(deps, input, prepared, currentWorkflowRun(), {
          signal: cancellationSignal(),
          onProgress: (done, total, stage) => heartbeat(trainHeartbeat(trees, done, total, stage)),
        });
      }),

    register: (
      input: TrainingInput,
      prepared: PreprocessResult,
      trained: TrainResult,
    ): Promise<RegisterResult> =>
      withFailureTypes(() => registerCandidate(deps, input, prepared, trained, currentWorkflowRun())),

    promote: (
      prepared: PreprocessResult,
      trained: TrainResult,
      registered: RegisterResult,
    ): Promise<PromotionDecision> =>
      withFailureTypes(() => promoteCandidate(deps, prepared, trained, registered)),
  };
}

/** The training workflow's activities, as `createActivities` builds them. */
export type TrainingActivities = ReturnType<typeof createActivities>;
