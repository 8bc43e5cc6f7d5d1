/**
 * The registry's shared resources as one named Fastify plugin: the SQLite
 * database (opened and migrated on start, closed on app close), the tracking
 * and model registry stores on it, and the artifact repository (a folder or an
 * S3 bucket, checked on start).
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { ArtifactRepository } from '../artifacts/artifact-repository.js';
import { createArtifactRepository } from '../artifacts/artifact-repository-factory.js';
import type { S3Settings } from '../artifacts/s3-location.js';
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
  app.decorate('artifacts', artifacts);
  app.addHook('onClose', async () => {
    await checkpointer?.stop();
    await artifacts.close();
    // The last connection to close checkpoints the rest of the WAL.
    db.close();
  });
};

export const registryStores = fp(plugin, { name: 'registry-stores', fastify: '5.x' });
