/**
 * Builds the registry's Fastify app from options; main.ts listens. Tests call
 * buildApp and use `app.inject` (or listen on port 0).
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { installErrorHandling } from './routes/error-handling.js';
import { healthRoutes } from './routes/health.js';
import { mlflowApi } from './routes/mlflow-api.js';
import { uiRoutes } from './routes/ui.js';
import { registryStores } from './store/registry-stores.js';

/** MLflow's two prefixes; the same route table is mounted on both. */
export const API_PREFIXES = ['/api/2.0', '/ajax-api/2.0'] as const;

export interface RegistryAppOptions {
  /** SQLite file (created with its folder when missing), or `:memory:`. */
  dbPath: string;
  /** Artifact folder; runs store files under `<artifactRoot>/<experiment_id>/<run_id>/artifacts/`. */
  artifactRoot: string;
  /** When set, every write needs `Authorization: Bearer <token>`; reads stay open. */
  token?: string;
  /** A pino logger (for example core's createLogger); default: no logging. */
  logger?: FastifyBaseLogger;
  /** Largest JSON request body, in bytes. Default 1 MiB. */
  bodyLimit?: number;
  /** Largest artifact upload, in bytes. Default 100 MiB. */
  uploadLimit?: number;
}

/** Default limits, matching REGISTRY_BODY_LIMIT and REGISTRY_UPLOAD_LIMIT in core's config. */
export const DEFAULT_BODY_LIMIT = 1_048_576;
export const DEFAULT_UPLOAD_LIMIT = 104_857_600;

/** Creates the app: stores, the MLflow API under both prefixes, and the web UI at `/`. */
export function buildApp(options: RegistryAppOptions): FastifyInstance {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // Artifact paths may be long (experiment/run/artifacts/dir/file).
    routerOptions: { maxParamLength: 2048 },
  }) as unknown as FastifyInstance;
  installErrorHandling(app);
  void app.register(registryStores, { dbPath: options.dbPath, artifactRoot: options.artifactRoot });
  for (const prefix of API_PREFIXES) {
    void app.register(mlflowApi, {
      prefix,
      token: options.token,
      uploadLimit: options.uploadLimit ?? DEFAULT_UPLOAD_LIMIT,
    });
  }
  // Liveness for `pnpm start`, container health checks and load balancers (MLflow's server has the same path).
  void app.register(healthRoutes);
  void app.register(uiRoutes);
  return app;
}
