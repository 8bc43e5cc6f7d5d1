import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { PriceCategory } from '@mlops/core';
import { errorResponseSchema, predictRequestSchema, predictResponseSchema } from '../api-schemas.js';
import type { LoadedModel } from '../model-source.js';
import type { ClassProbabilities } from '../predictor.js';
import { servedPrediction } from '../production-log.js';
import {
  LOG_DURABILITY_HEADER,
  LOG_SEQUENCE_HEADER,
  noModel,
  noteServedModel,
  notLogged,
  wantsDurableLog,
  type ServingContext,
} from './replies.js';

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
      noteServedModel(request, context, model);
      const listing = request.body;
      const prediction = model.predictor.predict(listing);
      metrics.countPrediction(prediction.price_category);
      const predictionId = randomUUID();
      if (productionLog !== null) {
        const served = servedPrediction(model, listing, prediction, Date.now(), predictionId);
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
      return answer(model, predictionId, prediction.price_category, prediction.probabilities);
    },
  );
};

function answer(
  model: LoadedModel,
  predictionId: string,
  category: PriceCategory,
  probabilities: ClassProbabilities,
) {
  return {
    prediction_id: predictionId,
    price_category: category,
    probabilities,
    model_name: model.name,
    model_version: model.version,
    model_alias: model.alias,
  };
}
