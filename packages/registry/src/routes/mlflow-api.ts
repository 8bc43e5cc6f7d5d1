/**
 * The one MLflow route table. app.ts registers it twice, under `/api/2.0` (the
 * clients' prefix) and `/ajax-api/2.0` (MLflow's web UI prefix), so both
 * always expose the same endpoints.
 */
import type { FastifyPluginAsync } from 'fastify';
import { proxiedArtifactRoutes, runArtifactRoutes } from './artifacts.js';
import { crossSiteWriteGuard } from './cross-site-writes.js';
import { experimentRoutes } from './experiments.js';
import { acceptJsonBodiesOnly } from './json-body.js';
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
  /** Web origins besides the registry's own that may write (normalised, `https://host:port`). */
  allowedOrigins: readonly string[];
}

export const mlflowApi: FastifyPluginAsync<MlflowApiOptions> = async (app, options) => {
  app.addHook('onRequest', crossSiteWriteGuard(options.allowedOrigins));
  app.addHook('onRequest', writeAuthorization(options.token));

  acceptJsonBodiesOnly(app);

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
