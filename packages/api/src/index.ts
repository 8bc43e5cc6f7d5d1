export { buildApp, type ApiApp, type BuildAppOptions } from './app.js';
export { closeOnSignals, startApi, type StartApiOptions, type RunningApi } from './server.js';
export { ModelSource, NO_MODEL_MESSAGE } from './model-source.js';
export type {
  LoadedModel,
  ModelOrigin,
  RegistryModelLookup,
  RegistryStatus,
  RefreshOutcome,
} from './model-source.js';
export {
  ProductionLog,
  servedPrediction,
  type ProductionLogOptions,
  type ProductionLogStats,
  type ServedPrediction,
} from './production-log.js';
export { ApiMetrics } from './metrics.js';
export { DEFAULT_REQUEST_TIMEOUTS, type RequestTimeouts } from './request-timeouts.js';
export { verifyPredictor, type Predictor, type Prediction, type BundleReader } from './predictor.js';
export type { FeedbackItem, FeedbackOutcome, FeedbackStore, ServedModelRecord } from './feedback-store.js';
export { SqliteFeedbackStore, type SqliteFeedbackStoreOptions } from './sqlite-feedback-store.js';
export { PostgresFeedbackStore, type PostgresFeedbackStoreOptions } from './postgres-feedback-store.js';
export { openFeedbackStore, type OpenFeedbackStoreOptions } from './feedback-store-open.js';
export { openProductionLog, type OpenProductionLogOptions } from './production-log-open.js';
export { PostgresLogStore, type PostgresLogStoreOptions } from './production-log-postgres.js';
export type { ProductionLogBackend, ProductionLogStore } from './production-log-store.js';
