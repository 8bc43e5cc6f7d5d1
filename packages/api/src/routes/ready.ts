import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { readyResponseSchema } from '../api-schemas.js';
import { NO_MODEL_MESSAGE } from '../model-source.js';
import { describeModel, type ServingContext } from './replies.js';

/** GET /ready: 200 once a model is loaded, 503 before (for load balancers and orchestration). */
export const readyRoutes: FastifyPluginAsyncZod<ServingContext> = async (app, context) => {
  app.get(
    '/ready',
    {
      schema: {
        summary: 'Readiness: 200 when a model is loaded, else 503',
        tags: ['operations'],
        response: { 200: readyResponseSchema, 503: readyResponseSchema },
      },
    },
    async (_request, reply) => {
      const model = context.modelSource.current;
      if (model === null) {
        return reply.code(503).send({ status: 'not_ready' as const, message: NO_MODEL_MESSAGE, model: null });
      }
      return { status: 'ready' as const, model: describeModel(model) };
    },
  );
};
