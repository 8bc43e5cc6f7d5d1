import type { ApiMetrics } from './metrics.js';
import type { ModelSource } from './model-source.js';
import type { ProductionLog } from './production-log.js';

/** What the route plugins share: the model, the production log, the metrics and the limits. */
export interface ServingContext {
  modelSource: ModelSource;
  /** null when the production log is disabled (tests, one-off tools). */
  productionLog: ProductionLog | null;
  metrics: ApiMetrics;
  /** Most listings in one batch request (API_BATCH_LIMIT). */
  batchLimit: number;
  /** Poll period of the model source, in seconds (MODEL_REFRESH_SECONDS). */
  refreshIntervalSeconds: number;
  /** Epoch milliseconds the app was built. */
  startedAt: number;
}

/**
 * Request header asking for a durable production log row: the answer is sent only after the row's
 * batch has committed. Without it the row is queued and committed within the flush interval.
 */
export const LOG_DURABILITY_HEADER = 'x-log-durability';
/** Answer header carrying the production log sequence number of the row (compare with /health). */
export const LOG_SEQUENCE_HEADER = 'x-log-seq';
