/**
 * The registry service: experiment tracking and model registry speaking a
 * subset of MLflow's REST API, with a web UI.
 */
import type { Config, Logger } from '@mlops/core';
import type { FastifyBaseLogger } from 'fastify';
import { buildApp } from './app.js';
import { s3SettingsOf, type S3Config } from './artifacts/s3-location.js';

export {
  buildApp,
  API_PREFIXES,
  DEFAULT_BODY_LIMIT,
  DEFAULT_UPLOAD_LIMIT,
  DEFAULT_TIMEOUTS,
  type RegistryAppOptions,
  type RegistryTimeouts,
} from './app.js';
export { RegistryError, ERROR_STATUS, type RegistryErrorCode } from './errors.js';

export interface RunningRegistry {
  /** Base URL, e.g. `http://127.0.0.1:5000`. */
  url: string;
  /** Stops listening and closes the database. */
  close(): Promise<void>;
}

type RegistryConfig = S3Config &
  Pick<
    Config,
    | 'REGISTRY_DB'
    | 'REGISTRY_DB_POOL_SIZE'
    | 'REGISTRY_ARTIFACT_ROOT'
    | 'REGISTRY_TOKEN'
    | 'REGISTRY_PORT'
    | 'REGISTRY_HOST'
    | 'REGISTRY_BODY_LIMIT'
    | 'REGISTRY_UPLOAD_LIMIT'
    | 'REGISTRY_ALLOWED_ORIGINS'
  >;

/**
 * Builds the app from configuration and listens on REGISTRY_HOST:REGISTRY_PORT
 * (port 0 picks a free one). Used by main.ts and the CLI.
 */
export async function startRegistry(config: RegistryConfig, logger?: Logger): Promise<RunningRegistry> {
  const app = buildApp({
    dbPath: config.REGISTRY_DB,
    dbPoolSize: config.REGISTRY_DB_POOL_SIZE,
    artifactRoot: config.REGISTRY_ARTIFACT_ROOT,
    s3: s3SettingsOf(config),
    token: config.REGISTRY_TOKEN,
    logger: logger as FastifyBaseLogger | undefined,
    bodyLimit: config.REGISTRY_BODY_LIMIT,
    uploadLimit: config.REGISTRY_UPLOAD_LIMIT,
    allowedOrigins: config.REGISTRY_ALLOWED_ORIGINS,
  });
  const address = await app.listen({ port: config.REGISTRY_PORT, host: config.REGISTRY_HOST });
  const url = address.replace('0.0.0.0', '127.0.0.1');
  return { url, close: () => app.close() };
}
