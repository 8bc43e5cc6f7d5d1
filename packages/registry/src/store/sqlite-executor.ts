/**
 * SqlExecutor on one better-sqlite3 connection. Programs run synchronously, a
 * transaction inside better-sqlite3's own `transaction()`: nothing awaits while
 * it is open, so requests never interleave inside one and a rollback never
 * takes another request's writes with it. Statements are prepared once per
 * SQL text.
 */
import type { Database, Statement } from 'better-sqlite3';
import { SQLITE_DIALECT } from './sql-dialect.js';
import { driveSync, type SqlExecutor, type TransactionOptions } from './sql-executor.js';
import type { SqlProgram, SqlStep } from './sql-program.js';

/**
 * Searches build their SQL from the filter, so the cache could grow without bound on odd
 * filters; past this many statements it starts again (the hot statements come back at once).
 */
const STATEMENT_CACHE_LIMIT = 1000;

/** The SQLite executor; `connection` is the open better-sqlite3 database. */
export class SqliteExecutor implements SqlExecutor {
  readonly dialect = SQLITE_DIALECT;
  private readonly statements = new Map<string, Statement>();
  private readonly rawStatements = new Map<string, Statement>();

  /** `connection` is open and migrated (openDatabase); close() closes it. */
  constructor(readonly connection: Database) {}

  private prepare(cache: Map<string, Statement>, sql: string, raw: boolean): Statement {
    let statement = cache.get(sql);
    if (!statement) {
      if (cache.size >= STATEMENT_CACHE_LIMIT) cache.clear();
      statement = this.connection.prepare(sql);
      if (raw) statement.raw(true);
      cache.set(sql, statement);
    }
    return statement;
  }

  private readonly step = (step: SqlStep): unknown => {
    switch (step.kind) {
      case 'all':
        return this.prepare(this.statements, step.sql, false).all(...step.params);
      case 'get':
        return this.prepare(this.statements, step.sql, false).get(...step.params);
      case 'raw':
        return this.prepare(this.rawStatements, step.sql, true).all(...step.params);
      case 'run':
        return { changes: this.prepare(this.statements, step.sql, false).run(...step.params).changes };
    }
  };

  /** Runs the program now, synchronously, inside one transaction. */
  runTransaction<T>(program: () => SqlProgram<T>): T {
    return this.connection.transaction(() => driveSync(program(), this.step))();
  }

  async transaction<T>(program: () => SqlProgram<T>, _options?: TransactionOptions): Promise<T> {
    return this.runTransaction(program);
  }

  async read<T>(program: () => SqlProgram<T>): Promise<T> {
    return driveSync(program(), this.step);
  }

  async execute(script: string): Promise<void> {
    this.connection.exec(script);
  }

  async ping(): Promise<void> {
    this.prepare(this.statements, 'SELECT 1', false).get();
  }

  async close(): Promise<void> {
    this.connection.close();
  }
}
