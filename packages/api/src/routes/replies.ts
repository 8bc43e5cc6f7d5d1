/**
 * What the route plugins share: the serving context they are registered with, the production log
 * headers, and the answers more than one route gives. Routes import these from here, never from
 * each other.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from '../error-handler.js';
import type { ApiMetrics } from '../metrics.js';
import { NO_MODEL_MESSAGE, type LoadedModel, type ModelSource } from '../model-source.js';
import type { FeedbackStore } from '../feedback-store.js';
import type { ProductionLog } from '../production-log.js';

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
  /** Where POST /feedback writes; null when the production log is disabled (nothing to refer to). */
  feedbackStore: FeedbackStore | null;
  /** Most items in one POST /feedback batch (FEEDBACK_BATCH_LIMIT). */
  feedbackBatchLimit: number;
  /** The last model whose cut points went to the feedback store (so it is written once per swap). */
  notedModel: LoadedModel | null;
}

/**
 * Writes the cut points of the model that answers to the feedback store the first time it answers, so
 * a sold price sent later can be converted with that version's scale (by any replica, after swaps).
 * Off the answer's path: a failure is logged and retried on the next request.
 */
export function noteServedModel(request: FastifyRequest, context: ServingContext, model: LoadedModel): void {
  const store = context.feedbackStore;
  if (store === null || context.notedModel === model) return;
  context.notedModel = model;
  store
    .noteServedModel({
      name: model.name,
      version: model.version,
      priceThresholds: model.predictor.priceThresholds ?? null,
    })
    .catch((error: unknown) => {
      if (context.notedModel === model) context.notedModel = null;
      request.log.error({ err: error }, 'could not record the served model for feedback');
    });
}

/**
 * Request header asking for a durable production log row: the answer is sent only after the row's
 * batch has committed. Without it the row is queued and committed within the flush interval.
 */
export const LOG_DURABILITY_HEADER = 'x-log-durability';
/** Answer header carrying the production log sequence number of the row (compare with /health). */
export const LOG_SEQUENCE_HEADER = 'x-log-seq';

/** True when the client asked for the production log row to be committed before the answer. */
export function wantsDurableLog(request: FastifyRequest): boolean {
  const value = request.headers[LOG_DURABILITY_HEADER];
  return value === 'sync' || value === 'committed';
}

/** The 503 answer while no model is loaded; counted as a rejected request, not logged as traffic. */
export function noModel(request: FastifyRequest, reply: FastifyReply, context: ServingContext) {
  context.metrics.countRejected(request.routeOptions.url ?? 'unmatched', 'no_model');
  return reply.code(503).send(errorBody(503, NO_MODEL_MESSAGE));
}

/**
 * The 503 answer when a durable request's row could not be committed: the client asked for the
 * guarantee, so it must not get a 200 without it.
 */
export function notLogged(request: FastifyRequest, reply: FastifyReply, error: unknown) {
  request.log.error({ err: error }, 'durable production log append failed');
  const reason = error instanceof Error ? error.message : String(error);
  return reply
    .code(503)
    .send(errorBody(503, `prediction not answered: the production log did not commit its row (${reason})`));
}

/** The served model as /health and /ready describe it (without the predictor). */
export function describeModel(model: LoadedModel | null) {
  if (model === null) return null;
  return {
    name: model.name,
    version: model.version,
    alias: model.alias,
    source: model.source,
    loadedAt: model.loadedAt,
  };
}
