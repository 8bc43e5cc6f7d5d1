/** `GET /health`: answers 200 once the database answers, for compose health checks and the CLI's start-up wait. */
import type { FastifyPluginAsync } from 'fastify';

export const healthRoutes: FastifyPluginAsync = async (app) => {
  const ping = app.db.prepare('SELECT 1');
  app.get('/health', async () => {
    ping.get();
    return { status: 'ok' };
  });
};
