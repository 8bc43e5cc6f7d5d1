/**
 * Connects the registry to PostgreSQL (REGISTRY_DB=postgresql://...) and
 * brings the schema up to date. Several replicas may start at once: the
 * migrations run under a session-level advisory lock, so exactly one applies
 * them and the others wait, then find nothing left to do.
 */
import { RegistryError } from '../errors.js';
import { PostgresExecutor } from './postgres-executor.js';
import { POSTGRES_MIGRATIONS, type PostgresMigration } from './postgres-migrations.js';
import { postgresUrlProblem, registryDbError } from './registry-db-url.js';

/** Default REGISTRY_DB_POOL_SIZE: enough for group-committed metrics plus concurrent reads on 2 cores. */
export const DEFAULT_POOL_SIZE = 10;

/** Fixed, arbitrary key of the advisory lock the migrations hold; every replica uses the same one. */
const MIGRATION_LOCK_KEY = '7867084305082103655';

export interface OpenPostgresOptions {
  poolSize?: number;
  migrations?: readonly PostgresMigration[];
  onIdleError?: (error: Error) => void;
}

/** The driver's reason for a failed connection, without the URL (which may hold the password). */
function connectionReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}

/**
 * Opens a pool on `url`, checks that the server answers and migrates it.
 * Errors name REGISTRY_DB with the password hidden.
 */
export async function openPostgres(
  url: string,
  options: OpenPostgresOptions = {},
): Promise<PostgresExecutor> {
  const problem = postgresUrlProblem(url);
  if (problem) throw registryDbError(url, problem);
  const executor = new PostgresExecutor({
    connectionString: url,
    poolSize: options.poolSize ?? DEFAULT_POOL_SIZE,
    onIdleError: options.onIdleError,
  });
  let client;
  try {
    client = await executor.pool.connect();
  } catch (error) {
    await executor.close().catch(() => undefined);
    throw new Error(
      `${registryDbError(url, `cannot connect to PostgreSQL: ${connectionReason(error)}`).message}`,
      { cause: error },
    );
  }
  try {
    await migratePostgres(client, options.migrations ?? POSTGRES_MIGRATIONS);
  } catch (error) {
    client.release();
    await executor.close().catch(() => undefined);
    throw error;
  }
  client.release();
  return executor;
}

interface Queryable {
  query<R extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

/**
 * Applies every migration newer than the stored schema version, each in its own
 * transaction, holding the advisory lock throughout. Returns the schema version.
 */
export async function migratePostgres(
  client: Queryable,
  migrations: readonly PostgresMigration[],
): Promise<number> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      description text NOT NULL,
      applied_at bigint NOT NULL
    )`);
    const { rows } = await client.query<{ version: number | null }>(
      'SELECT MAX(version) AS version FROM schema_migrations',
    );
    const current = rows[0]?.version ?? 0;
    const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
    if (current > latest) {
      throw new RegistryError(
        'INTERNAL_ERROR',
        `Registry database schema is version ${current}, newer than this server's ${latest}; upgrade the server`,
      );
    }
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (migration.version <= current) continue;
      const now = Date.now();
      await client.query('BEGIN');
      try {
        await client.query(migration.script);
        for (const statement of migration.seed ?? []) await client.query(statement, [now]);
        await client.query(
          'INSERT INTO schema_migrations (version, description, applied_at) VALUES ($1, $2, $3)',
          [migration.version, migration.description, now],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(
          `Registry database migration ${migration.version} (${migration.description}) failed: ${reason}`,
          { cause: error },
        );
      }
    }
    return latest;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
  }
}
