/**
 * What every store on PRODUCTION_LOG_URL does to start: check the URL, open a connection pool that
 * survives dropped connections, and create its tables with IF NOT EXISTS under one advisory lock, so
 * replicas starting together do not race on the catalog. The production log and the feedback store
 * each open their own pool this way.
 */
import pg from 'pg';
import { describeDatabaseError, isPostgresUrl, redactUrl, type Logger } from '@mlops/core';

/**
 * Advisory lock taken around the DDL: concurrent CREATE TABLE IF NOT EXISTS can fail on a catalog race.
 * Every table created beside the production log is created under it.
 */
export const SCHEMA_LOCK_KEY = 0x6d6c6f70; // 'mlop'

export interface ProductionLogPoolOptions {
  /** `postgresql://` or `postgres://` URL (PRODUCTION_LOG_URL). */
  url: string;
  /** Most connections open at once. */
  max: number;
  /** Shown in pg_stat_activity. */
  applicationName: string;
  /** How long connecting may take before the attempt fails, in milliseconds (default 10,000). */
  connectTimeoutMs?: number;
  /** Server-side limit of one statement, in milliseconds (default 30,000). */
  statementTimeoutMs?: number;
  logger?: Logger;
}

/** The message of a pg error (see describeDatabaseError). */
export const describePgError = describeDatabaseError;

/**
 * A pool on PRODUCTION_LOG_URL. Connects lazily: the first query (usually createTables) finds out
 * whether the server answers.
 * @throws Error naming PRODUCTION_LOG_URL (password masked) when the URL is not a PostgreSQL URL
 */
export function openProductionLogPool(options: ProductionLogPoolOptions): pg.Pool {
  if (!isPostgresUrl(options.url)) {
    throw new Error(
      `PRODUCTION_LOG_URL=${redactUrl(options.url)} is not a PostgreSQL URL; expected postgresql://user:password@host:5432/database`,
    );
  }
  const statementTimeoutMs = options.statementTimeoutMs ?? 30_000;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    statement_timeout: statementTimeoutMs,
    // A server that stops answering (network cut) fails the statement client-side too.
    query_timeout: statementTimeoutMs + 5000,
    keepAlive: true,
    application_name: options.applicationName,
  });
  // An idle connection the server closes must not crash the process; the next query reconnects.
  pool.on('error', (error) =>
    options.logger?.warn(
      { error: describePgError(error) },
      `${options.applicationName}: PostgreSQL connection lost; the next query reconnects`,
    ),
  );
  return pool;
}

/**
 * Runs `ddl` (CREATE ... IF NOT EXISTS statements) and then `then`, in one transaction holding
 * SCHEMA_LOCK_KEY. On failure the pool is ended and the error names PRODUCTION_LOG_URL.
 * @param what what is being opened, for the message ("the production log", "the feedback store")
 */
export async function createTables(
  pool: pg.Pool,
  url: string,
  what: string,
  ddl: string,
  then?: (client: pg.PoolClient) => Promise<void>,
): Promise<void> {
  try {
    const client = await pool.connect();
    guardCheckedOut(client);
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK_KEY]);
      await client.query(ddl);
      await then?.(client);
      await client.query('COMMIT');
      client.release();
    } catch (error) {
      client.release(error instanceof Error ? error : true);
      throw error;
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new Error(
      `cannot open ${what} at PRODUCTION_LOG_URL=${redactUrl(url)}: ${describePgError(error)}`,
      {
        cause: error,
      },
    );
  }
}

const guarded = new WeakSet<pg.PoolClient>();

/**
 * The pool listens for errors only on idle connections; a connection that drops while checked out
 * (between the statements of a transaction) emits an 'error' that, unheard, would end the process.
 * The statement in progress fails with it anyway.
 */
export function guardCheckedOut(client: pg.PoolClient): void {
  if (guarded.has(client)) return;
  guarded.add(client);
  client.on('error', () => undefined);
}
