/**
 * Names shared by every package. Services never import each other, so the
 * names they must agree on (queues, workflow types, experiment and model names)
 * live here, once.
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

/** Registry experiment holding training runs. */
export const TRAINING_EXPERIMENT = 'housing-price-classification';
/** Registry experiment holding drift checks. */
export const MONITORING_EXPERIMENT = 'monitoring';
/** Default registered model name (overridable with MODEL_NAME). */
export const DEFAULT_MODEL_NAME = 'HousingPriceClassifier';
/** Alias of the model version the API serves. */
export const PRODUCTION_ALIAS = 'production';
/** Alias of the most recently trained model version. */
export const STAGING_ALIAS = 'staging';

/** The three price categories, in a fixed order used by every probability vector. */
export const PRICE_CATEGORIES = ['low', 'medium', 'high'] as const;
export type PriceCategory = (typeof PRICE_CATEGORIES)[number];

/** File names inside a run's artifacts and inside `models/`. */
export const MODEL_BUNDLE_FILE = 'model.bundle.json';
export const REFERENCE_SNAPSHOT_FILE = 'reference.json';

/** Temporal search attribute (Int) holding the drift alert count of a monitoring run; registered at dev-server start. */
export const DRIFT_ALERT_COUNT_ATTRIBUTE = 'DriftAlertCount';
