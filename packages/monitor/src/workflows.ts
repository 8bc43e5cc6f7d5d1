/**
 * The monitoring pipeline as a Temporal workflow: one drift check, then, when
 * enough alerts fire, the training pipeline as an abandoned child with the fixed
 * id `training-pipeline`, so that at most one training runs at a time.
 */
import {
  ParentClosePolicy,
  log,
  proxyActivities,
  setCurrentDetails,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  DRIFT_ALERT_COUNT_ATTRIBUTE,
  TRAINING_TASK_QUEUE,
  TRAINING_WORKFLOW_ID,
  TRAINING_WORKFLOW_TYPE,
} from '@mlops/temporal';
import type { MonitoringInput, MonitoringResult, TrainingInput } from '@mlops/temporal';
import type { MonitoringActivities } from './activities.js';

const { checkDrift, recordOutcome } = proxyActivities<MonitoringActivities>({
  startToCloseTimeout: '10m',
  retry: {
    maximumAttempts: 3,
    initialInterval: '5s',
    backoffCoefficient: 1,
    nonRetryableErrorTypes: ['ConfigError'],
  },
});

/** The alert that starts retraining on its own: accuracy measured on ground truth dropped. */
const REALIZED_PERFORMANCE_ALERT = 'performance.realized';

/**
 * Checks the served traffic for drift and performance and starts retraining when at least
 * `minAlerts` checks are over threshold, or when realized performance (ground truth from feedback)
 * alerts: it is not a proxy, so it needs no second alert. The estimated performance alert counts as
 * one alert among the drift alerts. `minAlerts` comes from DRIFT_MIN_ALERTS
 * through the schedule's arguments (workflows cannot read the environment).
 */
export async function monitoringPipeline(
  input: MonitoringInput & { minAlerts?: number },
): Promise<MonitoringResult> {
  const minAlerts = input.minAlerts ?? 2;
  setCurrentDetails('checking drift');
  const check = await checkDrift(input);
  upsertSearchAttributes({ [DRIFT_ALERT_COUNT_ATTRIBUTE]: [check.alerts.length] });
  upsertMemo({ driftStatus: check.status, alerts: check.alerts, windowSize: check.windowSize });

  const realizedDrop = check.alerts.some((a) => a.name === REALIZED_PERFORMANCE_ALERT);
  if (check.alerts.length < minAlerts && !realizedDrop) {
    setCurrentDetails(`${check.alerts.length} drift alert(s), ${check.status}: no retraining`);
    if (check.runId) await recordOutcome(check.runId, { training: 'not-needed' });
    return { check, training: 'not-needed' };
  }

  const trainingInput: TrainingInput = {
    ...input.training,
    trigger: {
      reason: realizedDrop ? 'performance' : 'drift',
      alerts: check.alerts,
      ...(check.runId ? { monitoringRunId: check.runId } : {}),
    },
  };
  let training: MonitoringResult['training'];
  try {
    await startChild(TRAINING_WORKFLOW_TYPE, {
      workflowId: TRAINING_WORKFLOW_ID,
      taskQueue: TRAINING_TASK_QUEUE,
      args: [trainingInput],
      // Training must outlive this check.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowExecutionTimeout: '6h',
      memo: { trigger: trainingInput.trigger },
    });
    training = 'started';
    log.info('drift: training started', { alerts: check.alerts.map((a) => a.name) });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    training = 'already-running';
    log.info('drift: training already running; not starting another');
  }
  setCurrentDetails(`${check.alerts.length} drift alerts: training ${training}`);
  if (check.runId) await recordOutcome(check.runId, { training, trainingWorkflowId: TRAINING_WORKFLOW_ID });
  return { check, training, trainingWorkflowId: TRAINING_WORKFLOW_ID };
}
