/**
 * The registry's shared resources as one named Fastify plugin: the database
 * (SQLite or PostgreSQL, opened and migrated on start, closed on app close),
 * the tracking and model registry stores on it, and the artifact repository (a
 * folder or an S3 bucket, checked on start).
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { ArtifactRepository } from '../artifacts/artifact-repository.js';
import { createArtifactRepository } from '../artifacts/artifact-repository-factory.js';
import type { S3Settings } from '../artifacts/s3-location.js';
import { SqlModelRegistryStore, type ModelRegistryStore } from './model-registry-store.js';
import { openRegistryDatabase } from './registry-database.js';
import type { SqlExecutor } from './sql-executor.js';
import { SqlTrackingStore, type TrackingStore } from './tracking-store.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The database behind the stores (health checks, tests). */
    registryDb: SqlExecutor;
    tracking: TrackingStore;
    modelRegistry: ModelRegistryStore;
    artifacts: ArtifactRepository;
  }
}

export interface RegistryStoresOptions {
  /** SQLite file path, `:memory:`, or a `postgresql://` URL. */
  dbPath: string;
  /** PostgreSQL connection pool size. */
  dbPoolSize?: number;
  /** Folder or `s3://bucket[/prefix]` holding `<experiment_id>/<run_id>/artifacts/`. */
  artifactRoot: string;
  /** How to reach the object store of an `s3://` artifact root. */
  s3?: S3Settings;
}

const plugin: FastifyPluginAsync<RegistryStoresOptions> = async (app, options) => {
  const artifacts = createArtifactRepository(options.artifactRoot, options.s3);
  // A missing bucket or refused credentials stop the start, not the first upload.
  try {
    await artifacts.verify();
  } catch (error) {
    await artifacts.close();
    throw error;
  }
  let database;
  try {
    database = await openRegistryDatabase(options.dbPath, {
      poolSize: options.dbPoolSize,
      warn: (message) => app.log.warn({ message }, 'registry database'),
    });
  } catch (error) {
    await artifacts.close();
    throw error;
  }
  app.decorate('registryDb', database.executor);
  app.decorate(
    'tracking',
    new SqlTrackingStore(database.executor, { metricFlushes: database.metricFlushes }),
  );
  app.decorate('modelRegistry', new SqlModelRegistryStore(database.executor));
  app.decorate('artifacts', artifacts);
  app.addHook('onClose', async () => {
    await artifacts.close();
    await database.close();
  });
};

export const registryStores = fp(plugin, { name: 'registry-stores', fastify: '5.x' });
