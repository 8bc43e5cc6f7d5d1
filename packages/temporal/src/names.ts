/**
 * Names the Temporal parts of the stack agree on: task queues, workflow types
 * and ids, the schedule, the search attribute, and which failures are not worth
 * retrying. Workflow code imports this module, so it holds only plain values.
 */

/** Temporal task queue served by the training worker. */
export const TRAINING_TASK_QUEUE = 'training';
/** Temporal task queue served by the monitoring worker. */
export const MONITORING_TASK_QUEUE = 'monitoring';
/** Workflow type of the training pipeline. */
export const TRAINING_WORKFLOW_TYPE = 'trainingPipeline';
/** Workflow type of the monitoring pipeline. */
export const MONITORING_WORKFLOW_TYPE = 'monitoringPipeline';
/** Fixed workflow id of the training pipeline: the server allows one running execution per id. */
export const TRAINING_WORKFLOW_ID = 'training-pipeline';
/** Id of the Temporal schedule that runs the monitoring pipeline. */
export const MONITORING_SCHEDULE_ID = 'monitoring-schedule';
/** Temporal search attribute (Int) holding the drift alert count of a monitoring run; registered at dev-server start. */
export const DRIFT_ALERT_COUNT_ATTRIBUTE = 'DriftAlertCount';

/**
 * Failure types that retrying an activity cannot fix: bad data, a bad bundle,
 * bad configuration, an argument out of range. They are the class names of
 * `@mlops/core`'s errors (each error's name is its class name); a test keeps
 * the two lists in step.
 */
export const NON_RETRYABLE_ERROR_TYPES: readonly string[] = Object.freeze([
  'InvalidDataError',
  'BundleFormatError',
  'ConfigError',
  'InvalidArgumentError',
]);
