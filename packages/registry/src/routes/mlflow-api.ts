/**
 * The one MLflow route table. app.ts registers it twice, under `/api/2.0` (the
 * clients' prefix) and `/ajax-api/2.0` (MLflow's web UI prefix), so both
 * always expose the same endpoints.
 */
import type { FastifyPluginAsync } from 'fastify';
import { RegistryError } from '../errors.js';
import { proxiedArtifactRoutes, runArtifactRoutes } from './artifacts.js';
import { experimentRoutes } from './experiments.js';
import { loggedModelRoutes } from './logged-models.js';
import { modelVersionRoutes } from './model-versions.js';
import { registeredModelRoutes } from './registered-models.js';
import { runRoutes } from './runs.js';
import { writeAuthorization } from './write-authorization.js';

export interface MlflowApiOptions {
  /** Bearer token required for writes; undefined leaves writes open. */
  token: string | undefined;
  /** Largest artifact upload, in bytes. */
  uploadLimit: number;
}

export const mlflowApi: FastifyPluginAsync<MlflowApiOptions> = async (app, options) => {
  app.addHook('onRequest', writeAuthorization(options.token));

  // MLflow clients always send JSON, but curl users and some HTTP libraries send
  // text/plain or form types: read any request body as JSON here, so the
  // answer is a clear MALFORMED_REQUEST rather than 415.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(['text/plain', '*'], { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, {});
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new RegistryError('MALFORMED_REQUEST', 'The request body is not valid JSON'), undefined);
    }
  });

  await app.register(
    async (mlflow) => {
      await mlflow.register(experimentRoutes);
      await mlflow.register(runRoutes);
      await mlflow.register(runArtifactRoutes);
      await mlflow.register(registeredModelRoutes);
      await mlflow.register(modelVersionRoutes);
      await mlflow.register(loggedModelRoutes);
    },
    { prefix: '/mlflow' },
  );
  await app.register(proxiedArtifactRoutes, {
    prefix: '/mlflow-artifacts',
    uploadLimit: options.uploadLimit,
  });
};
