/**
 * Builds the registry's Fastify app from options; main.ts listens. Tests call
 * buildApp and use `app.inject` (or listen on port 0).
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { S3Settings } from './artifacts/s3-location.js';
import { answerFrameworkError, installErrorHandling } from './routes/error-handling.js';
import { healthRoutes } from './routes/health.js';
import { mlflowApi } from './routes/mlflow-api.js';
import { uiRoutes } from './routes/ui.js';
import { registryStores } from './store/registry-stores.js';

/** MLflow's two prefixes; the same route table is mounted on both. */
export const API_PREFIXES = ['/api/2.0', '/ajax-api/2.0'] as const;

export interface RegistryAppOptions {
  /**
   * REGISTRY_DB: a SQLite file (created with its folder when missing), `:memory:`, or a
   * PostgreSQL URL (`postgresql://user[:password]@host[:port]/database`, also `postgres://`).
   */
  dbPath: string;
  /** Most PostgreSQL connections this app opens (REGISTRY_DB_POOL_SIZE); ignored for SQLite. */
  dbPoolSize?: number;
  /**
   * Artifact folder, or `s3://bucket[/prefix]`; runs store files under
   * `<artifactRoot>/<experiment_id>/<run_id>/artifacts/`.
   */
  artifactRoot: string;
  /** Endpoint, region and credentials of an `s3://` artifact root; default: the AWS SDK's own sources. */
  s3?: S3Settings;
  /** When set, every write needs `Authorization: Bearer <token>`; reads stay open. */
  token?: string;
  /** A pino logger (for example core's createLogger); default: no logging. */
  logger?: FastifyBaseLogger;
  /** Largest JSON request body, in bytes. Default 1 MiB. */
  bodyLimit?: number;
  /** Largest artifact upload, in bytes. Default 100 MiB. */
  uploadLimit?: number;
  /**
   * Web origins (`https://host:port`) besides the registry's own whose pages may
   * write; REGISTRY_ALLOWED_ORIGINS. Default none.
   */
  allowedOrigins?: readonly string[];
  /** Connection timeouts; any left out take DEFAULT_TIMEOUTS. */
  timeouts?: Partial<RegistryTimeouts>;
}

/** How long the server waits for a client before dropping the connection, in milliseconds. */
export interface RegistryTimeouts {
  /** A socket with no bytes in either direction for this long is closed (a client stalled mid-request). */
  idleMs: number;
  /** The whole request line and headers must arrive within this. */
  headersMs: number;
  /** The whole request, body included, must arrive within this (408 after). */
  requestMs: number;
  /** An idle keep-alive connection between requests is closed after this. */
  keepAliveMs: number;
}

/**
 * Node checks the header and request limits on a timer every
 * `connectionsCheckingInterval`; a quarter of the shorter one keeps that check
 * within 25 % of the limit.
 */
function checkingInterval(timeouts: RegistryTimeouts): number {
  return Math.max(50, Math.floor(Math.min(timeouts.headersMs, timeouts.requestMs) / 4));
}

/**
 * Defaults: 30 s of silence, 20 s for the headers, 5 minutes for a whole
 * request (a 100 MiB upload at 350 KB/s), 10 s of keep-alive.
 */
export const DEFAULT_TIMEOUTS: Readonly<RegistryTimeouts> = {
  idleMs: 30_000,
  headersMs: 20_000,
  requestMs: 300_000,
  keepAliveMs: 10_000,
};

/** Default limits, matching REGISTRY_BODY_LIMIT and REGISTRY_UPLOAD_LIMIT in core's config. */
export const DEFAULT_BODY_LIMIT = 1_048_576;
export const DEFAULT_UPLOAD_LIMIT = 104_857_600;

/** Creates the app: stores, the MLflow API under both prefixes, and the web UI at `/`. */
export function buildApp(options: RegistryAppOptions): FastifyInstance {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // Artifact paths may be long (experiment/run/artifacts/dir/file).
    routerOptions: { maxParamLength: 2048 },
    frameworkErrors: answerFrameworkError,
    connectionTimeout: timeouts.idleMs,
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    http: {
      headersTimeout: Math.min(timeouts.headersMs, timeouts.requestMs),
      connectionsCheckingInterval: checkingInterval(timeouts),
    },
  }) as unknown as FastifyInstance;
  installErrorHandling(app);
  void app.register(registryStores, {
    dbPath: options.dbPath,
    dbPoolSize: options.dbPoolSize,
    artifactRoot: options.artifactRoot,
    s3: options.s3,
  });
  for (const prefix of API_PREFIXES) {
    void app.register(mlflowApi, {
      prefix,
      token: options.token,
      allowedOrigins: options.allowedOrigins ?? [],
      uploadLimit: options.uploadLimit ?? DEFAULT_UPLOAD_LIMIT,
    });
  }
  // Liveness for `pnpm start`, container health checks and load balancers (MLflow's server has the same path).
  void app.register(healthRoutes);
  void app.register(uiRoutes);
  return app;
}
