/**
 * `GET /health`: answers 200 once the database answers, for compose health checks, load balancers
 * and the CLI's start-up wait; 503 TEMPORARILY_UNAVAILABLE, naming the reason, when it does not
 * (a PostgreSQL server that went away), so a replica without its database leaves the rotation.
 */
import type { FastifyPluginAsync } from 'fastify';
import { RegistryError } from '../errors.js';

export const healthRoutes: FastifyPluginAsync = async (app) => {
  app.get('/health', async () => {
    try {
      await app.registryDb.ping();
    } catch (error) {
      // The driver's message (ECONNREFUSED 127.0.0.1:5432, timeout) never contains the password.
      const reason = error instanceof Error ? error.message : String(error);
      throw new RegistryError(
        'TEMPORARILY_UNAVAILABLE',
        `The registry database (REGISTRY_DB) is unreachable: ${reason}`,
        {
          cause: error,
        },
      );
    }
    return { status: 'ok' };
  });
};
