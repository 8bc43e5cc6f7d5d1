import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorBody } from '../error-handler.js';
import { batchRequestSchema, batchResponseSchema, errorResponseSchema } from '../api-schemas.js';
import { servedPrediction } from '../production-log.js';
import {
  LOG_SEQUENCE_HEADER,
  noModel,
  noteServedModel,
  notLogged,
  wantsDurableLog,
  type ServingContext,
} from './replies.js';

/**
 * POST /predict/batch: an array of listings in, one prediction per listing out, in the same order, all
 * from one model snapshot. Every item becomes one production log row.
 */
export const batchRoutes: FastifyPluginAsyncZod<ServingContext> = async (app, context) => {
  const { modelSource, productionLog, metrics, batchLimit } = context;

  app.post(
    '/predict/batch',
    {
      schema: {
        summary: 'Predict the price categories of several listings',
        description: `At most ${batchLimit} listings per request (API_BATCH_LIMIT); answers in request order.`,
        tags: ['prediction'],
        body: batchRequestSchema(batchLimit),
        response: {
          200: batchResponseSchema,
          400: errorResponseSchema,
          413: errorResponseSchema,
          415: errorResponseSchema,
          503: errorResponseSchema,
        },
      },
      // Refuse an over-long batch before validating every item of it.
      preValidation: async (request, reply) => {
        const body: unknown = request.body;
        if (Array.isArray(body) && body.length > batchLimit) {
          metrics.countRejected('/predict/batch', 'batch_too_large');
          return reply
            .code(413)
            .send(
              errorBody(
                413,
                `a batch holds at most ${batchLimit} listings (API_BATCH_LIMIT), got ${body.length}`,
              ),
            );
        }
      },
    },
    async (request, reply) => {
      const model = modelSource.current;
      if (model === null) return noModel(request, reply, context);
      noteServedModel(request, context, model);
      const ts = Date.now();
      const predictions = request.body.map((listing) => {
        const prediction = model.predictor.predict(listing);
        metrics.countPrediction(prediction.price_category);
        return { listing, prediction, predictionId: randomUUID() };
      });
      if (productionLog !== null) {
        const durable = wantsDurableLog(request);
        const commits: Promise<number>[] = [];
        let seq = 0;
        for (const { listing, prediction, predictionId } of predictions) {
          const served = servedPrediction(model, listing, prediction, ts, predictionId);
          if (durable) commits.push(productionLog.appendDurable(served));
          else seq = productionLog.append(served);
        }
        if (durable) {
          try {
            // Every row must be committed, none dropped; the last one carries the highest number.
            const seqs = await Promise.all(commits);
            seq = seqs[seqs.length - 1] ?? 0;
          } catch (error) {
            return notLogged(request, reply, error);
          }
        }
        reply.header(LOG_SEQUENCE_HEADER, seq);
      }
      return {
        model_name: model.name,
        model_version: model.version,
        model_alias: model.alias,
        predictions: predictions.map(({ prediction, predictionId }) => ({
          prediction_id: predictionId,
          price_category: prediction.price_category,
          probabilities: prediction.probabilities,
        })),
      };
    },
  );
};
