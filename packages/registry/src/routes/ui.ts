import type { FastifyPluginAsync } from 'fastify';

export const uiRoutes: FastifyPluginAsync = async (app) => {
  app.get('/', async () => 'ui');
};
