/**
 * The registry's shared resources as one named Fastify plugin: the database
 * (SQLite or PostgreSQL, opened and migrated on start, closed on app close),
 * the tracking and model registry stores on it, and the artifact folder.
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { ArtifactRepository } from '../artifacts/artifact-repository.js';
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
  /** Folder holding `<experiment_id>/<run_id>/artifacts/`. */
  artifactRoot: string;
}

const plugin: FastifyPluginAsync<RegistryStoresOptions> = async (app, options) => {
  const database = await openRegistryDatabase(options.dbPath, {
    poolSize: options.dbPoolSize,
    warn: (message) => app.log.warn({ message }, 'registry database'),
  });
  app.decorate('registryDb', database.executor);
  app.decorate(
    'tracking',
    new SqlTrackingStore(database.executor, { metricFlushes: database.metricFlushes }),
  );
  app.decorate('modelRegistry', new SqlModelRegistryStore(database.executor));
  app.decorate('artifacts', new ArtifactRepository(options.artifactRoot));
  app.addHook('onClose', () => database.close());
};

export const registryStores = fp(plugin, { name: 'registry-stores', fastify: '5.x' });
