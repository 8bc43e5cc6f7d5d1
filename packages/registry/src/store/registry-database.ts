/**
 * Opens the database REGISTRY_DB names: a PostgreSQL server for a
 * `postgresql://` (or `postgres://`) URL, else a SQLite file (`:memory:` for
 * tests). Either way the schema is migrated and the result is one SqlExecutor
 * for both stores.
 */
import { openDatabase } from './database.js';
import { openPostgres } from './postgres-database.js';
import { isPostgresUrl } from './registry-db-url.js';
import type { SqlExecutor } from './sql-executor.js';
import { SqliteExecutor } from './sqlite-executor.js';
import { startWalCheckpointer } from './wal-checkpointer.js';

export interface RegistryDatabase {
  executor: SqlExecutor;
  /** Log-metric group-commit transactions that may run at once (see GroupCommit). */
  metricFlushes: number;
  /** Stops background work and closes the connection(s). */
  close(): Promise<void>;
}

export interface OpenRegistryDatabaseOptions {
  /** PostgreSQL pool size (REGISTRY_DB_POOL_SIZE). */
  poolSize?: number;
  /** Reports non-fatal trouble: a failed WAL checkpoint, a broken idle PostgreSQL connection. */
  warn?: (message: string) => void;
}

/**
 * Two concurrent group commits on PostgreSQL: one collects requests while the other waits for
 * its commit, so the server's commit latency does not cap the request rate.
 */
const POSTGRES_METRIC_FLUSHES = 2;

/** Opens and migrates the database `location` names (REGISTRY_DB): PostgreSQL for a URL, else SQLite. */
export async function openRegistryDatabase(
  location: string,
  options: OpenRegistryDatabaseOptions = {},
): Promise<RegistryDatabase> {
  if (isPostgresUrl(location)) {
    const executor = await openPostgres(location, {
      poolSize: options.poolSize,
      onIdleError: (error) => options.warn?.(`idle PostgreSQL connection failed: ${error.message}`),
    });
    return { executor, metricFlushes: POSTGRES_METRIC_FLUSHES, close: () => executor.close() };
  }
  const executor = new SqliteExecutor(openDatabase(location));
  const checkpointer =
    location === ':memory:'
      ? undefined
      : startWalCheckpointer(location, {
          onError: (message) =>
            options.warn?.(`WAL checkpoint failed; the automatic checkpoint takes over: ${message}`),
        });
  return {
    executor,
    metricFlushes: 1,
    async close() {
      await checkpointer?.stop();
      // The last connection to close checkpoints the rest of the WAL.
      await executor.close();
    },
  };
}
