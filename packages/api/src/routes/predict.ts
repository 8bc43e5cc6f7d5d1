import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { PriceCategory } from '@mlops/core';
import { errorBody } from '../error-handler.js';
import { errorResponseSchema, predictRequestSchema, predictResponseSchema } from '../api-schemas.js';
import { NO_MODEL_MESSAGE, type LoadedModel } from '../model-source.js';
import type { ClassProbabilities } from '../predictor.js';
import { LOG_DURABILITY_HEADER, LOG_SEQUENCE_HEADER, type ServingContext } from '../serving-context.js';

/**
 * POST /predict: one listing in, its price category out.
 *
 * The hot path: read the current model once (the request's snapshot, so a hot swap cannot split it),
 * predict, queue the production log row (no disk I/O here) and answer.
 */
export const predictRoutes: FastifyPluginAsyncZod<ServingContext> = async (app, context) => {
  const { modelSource, productionLog, metrics } = context;

  app.post(
    '/predict',
    {
      schema: {
        summary: 'Predict the price category of one listing',
        description:
          'Answers the old contract (`price_category`) plus class probabilities and the model that answered. ' +
          `Send \`${LOG_DURABILITY_HEADER}: sync\` to have the answer wait until the production log row is committed.`,
        tags: ['prediction'],
        body: predictRequestSchema,
        response: {
          200: predictResponseSchema,
          400: errorResponseSchema,
          413: errorResponseSchema,
          415: errorResponseSchema,
          503: errorResponseSchema,
        },
      },
    },
    async (request, reply) => {
      const model = modelSource.current;
      if (model === null) return noModel(request, reply, context);
      const listing = request.body;
      const prediction = model.predictor.predict(listing);
      metrics.countPrediction(prediction.price_category);
      if (productionLog !== null) {
        const served = {
          ts: Date.now(),
          modelName: model.name,
          modelVersion: model.version,
          modelAlias: model.alias,
          listing,
          prediction: prediction.price_category,
          probabilities: prediction.probabilities,
        };
        if (wantsDurableLog(request)) {
          try {
            reply.header(LOG_SEQUENCE_HEADER, await productionLog.appendDurable(served));
          } catch (error) {
            return notLogged(request, reply, error);
          }
        } else {
          reply.header(LOG_SEQUENCE_HEADER, productionLog.append(served));
        }
      }
      return answer(model, prediction.price_category, prediction.probabilities);
    },
  );
};

function answer(model: LoadedModel, category: PriceCategory, probabilities: ClassProbabilities) {
  return {
    price_category: category,
    probabilities,
    model_name: model.name,
    model_version: model.version,
    model_alias: model.alias,
  };
}

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
