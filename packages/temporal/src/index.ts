/**
 * `@mlops/temporal`: the names and the workflow input/output types every
 * Temporal part agrees on. Workflow-safe (plain values and types); the
 * Node-side worker host is `@mlops/temporal/worker-host`.
 */
export {
  DRIFT_ALERT_COUNT_ATTRIBUTE,
  MONITORING_SCHEDULE_ID,
  MONITORING_TASK_QUEUE,
  MONITORING_WORKFLOW_TYPE,
  NON_RETRYABLE_ERROR_TYPES,
  TRAINING_TASK_QUEUE,
  TRAINING_WORKFLOW_ID,
  TRAINING_WORKFLOW_TYPE,
} from './names.js';
export type * from './workflow-types.js';
