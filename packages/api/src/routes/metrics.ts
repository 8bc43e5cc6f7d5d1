import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ServingContext } from './replies.js';

/** GET /metrics: the Prometheus text exposition (see metrics.ts for the list). */
export const metricsRoutes: FastifyPluginAsyncZod<ServingContext> = async (app, context) => {
  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics', tags: ['operations'] } },
    async (_request, reply) => {
      const text = await context.metrics.text();
      return reply.type(context.metrics.contentType).send(text);
    },
  );
};
