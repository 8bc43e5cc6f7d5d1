/**
 * The registry's shared resources as one named Fastify plugin: the SQLite
 * database (opened and migrated on start, closed on app close), the tracking
 * and model registry stores on it, and the artifact folder.
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { ArtifactRepository } from '../artifacts/artifact-repository.js';
import { openDatabase, type Database } from './database.js';
import { startWalCheckpointer } from './wal-checkpointer.js';
import { SqliteModelRegistryStore, type ModelRegistryStore } from './model-registry-store.js';
import { SqliteTrackingStore, type TrackingStore } from './tracking-store.js';

declare module 'fastify' {
  interface FastifyInstance {
    db: Database;
    tracking: TrackingStore;
    modelRegistry: ModelRegistryStore;
    artifacts: ArtifactRepository;
  }
}

export interface RegistryStoresOptions {
  /** SQLite file path, or `:memory:`. */
  dbPath: string;
  /** Folder holding `<experiment_id>/<run_id>/artifacts/`. */
  artifactRoot: string;
}

const plugin: FastifyPluginAsync<RegistryStoresOptions> = async (app, options) => {
  const db = openDatabase(options.dbPath);
  const checkpointer =
    options.dbPath === ':memory:'
      ? undefined
      : startWalCheckpointer(options.dbPath, {
          onError: (message) =>
            app.log.warn({ message }, 'WAL checkpoint failed; the automatic checkpoint takes over'),
        });
  app.decorate('db', db);
  app.decorate('tracking', new SqliteTrackingStore(db));
  app.decorate('modelRegistry', new SqliteModelRegistryStore(db));
  app.decorate('artifacts', new ArtifactRepository(options.artifactRoot));
  app.addHook('onClose', async () => {
    await checkpointer?.stop();
    // The last connection to close checkpoints the rest of the WAL.
    db.close();
  });
};

export const registryStores = fp(plugin, { name: 'registry-stores', fastify: '5.x' });
