/**
 * SqlExecutor on a node-postgres connection pool. A transaction holds one
 * pooled connection from BEGIN to COMMIT and awaits each statement; when
 * PostgreSQL reports a conflict with a concurrent transaction (serialization
 * failure, deadlock, or a unique or foreign key violated by a row another
 * replica committed meanwhile) the whole program runs again, and its own checks
 * then see the committed row and answer as they would have without the race
 * (RESOURCE_ALREADY_EXISTS, RESOURCE_DOES_NOT_EXIST).
 */
import pg from 'pg';
import { POSTGRES_DIALECT } from './sql-dialect.js';
import { driveAsync, type SqlExecutor, type TransactionOptions } from './sql-executor.js';
import type { SqlParam, SqlProgram, SqlStep } from './sql-program.js';

/** SQLSTATEs after which re-running the transaction can succeed. */
const RETRYABLE = new Set(['40001', '40P01', '23505', '23503']);
const MAX_ATTEMPTS = 6;

/** bigint (int8) columns hold ms timestamps and steps: safe integers, so numbers rather than strings. */
const INT8_OID = 20;
const TYPES = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** Named (server-side prepared) statements per connection; dynamic search SQL beyond this is sent unnamed. */
const NAMED_STATEMENT_LIMIT = 300;

export interface PostgresExecutorOptions {
  connectionString: string;
  /** Most connections the pool opens. */
  poolSize: number;
  /** Called with errors of idle connections (a server restart), which must not crash the process. */
  onIdleError?: (error: Error) => void;
}

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The PostgreSQL executor; `pool` is exposed for start-up checks and migrations. */
export class PostgresExecutor implements SqlExecutor {
  readonly dialect = POSTGRES_DIALECT;
  readonly pool: pg.Pool;
  /** `?` placeholders numbered as `$1, $2, ...`, and the statement's name, per SQL text. */
  private readonly translated = new Map<string, { text: string; name?: string }>();

  constructor(options: PostgresExecutorOptions) {
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize,
      // An unreachable server fails a request (and /health) in seconds rather than hanging it.
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
      types: TYPES,
    });
    this.pool.on('error', (error) => options.onIdleError?.(error));
  }

  /** A pooled connection; the pool's own timeout error gets code ETIMEDOUT so it answers 503 like the others. */
  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      if (error instanceof Error && sqlState(error) === undefined && /timeout/i.test(error.message)) {
        Object.assign(error, { code: 'ETIMEDOUT' });
      }
      throw error;
    }
  }

  private translate(sql: string): { text: string; name?: string } {
    let entry = this.translated.get(sql);
    if (!entry) {
      let index = 0;
      const text = sql.replace(/\?/g, () => `$${++index}`);
      entry =
        this.translated.size < NAMED_STATEMENT_LIMIT ? { text, name: `s${this.translated.size}` } : { text };
      this.translated.set(sql, entry);
    }
    return entry;
  }

  private stepOn(client: pg.PoolClient): (step: SqlStep) => Promise<unknown> {
    return async (step) => {
      const { text, name } = this.translate(step.sql);
      const values = step.params as SqlParam[];
      if (step.kind === 'raw') {
        return (await client.query({ text, name, values, rowMode: 'array' })).rows;
      }
      const result = await client.query({ text, name, values });
      if (step.kind === 'all') return result.rows;
      if (step.kind === 'get') return result.rows[0];
      return { changes: result.rowCount ?? 0 };
    };
  }

  async transaction<T>(program: () => SqlProgram<T>, options: TransactionOptions = {}): Promise<T> {
    const single = options.singleStatement === true;
    for (let attempt = 1; ; attempt += 1) {
      const client = await this.connect();
      let broken: Error | undefined;
      try {
        if (!single) await client.query('BEGIN');
        const result = await driveAsync(program(), single ? this.singleStepOn(client) : this.stepOn(client));
        if (!single) await client.query('COMMIT');
        return result;
      } catch (error) {
        if (!single) {
          await client.query('ROLLBACK').catch((rollbackError: Error) => {
            broken = rollbackError;
          });
        }
        const retry = attempt < MAX_ATTEMPTS && RETRYABLE.has(sqlState(error) ?? '');
        if (!retry) throw error;
      } finally {
        // A connection whose ROLLBACK failed is in an unknown state: drop it rather than reuse it.
        client.release(broken);
      }
      // Back off a little, with jitter, so two replicas retrying the same conflict drift apart.
      await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
    }
  }

  /** stepOn for a program promised to be one statement: a second one would run outside any transaction. */
  private singleStepOn(client: pg.PoolClient): (step: SqlStep) => Promise<unknown> {
    const step = this.stepOn(client);
    let taken = false;
    return (next) => {
      if (taken) throw new Error(`A single-statement transaction yielded a second statement: ${next.sql}`);
      taken = true;
      return step(next);
    };
  }

  async read<T>(program: () => SqlProgram<T>): Promise<T> {
    const client = await this.connect();
    try {
      return await driveAsync(program(), this.stepOn(client));
    } finally {
      client.release();
    }
  }

  async execute(script: string): Promise<void> {
    await this.pool.query(script);
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
