/**
 * Base of the stores: the executor, its dialect, and program runners that
 * bind `this`, so a store method can write its program inline as
 * `this.inTransaction(function* () { ... this.someRow() ... })`.
 */
import type { SqlDialect } from './sql-dialect.js';
import type { SqlExecutor } from './sql-executor.js';
import type { SqlProgram } from './sql-program.js';

export abstract class SqlStore {
  protected readonly dialect: SqlDialect;

  constructor(protected readonly db: SqlExecutor) {
    this.dialect = db.dialect;
  }

  /** Runs `body` (with this store as `this`) in one transaction. */
  protected inTransaction<T>(body: (this: this) => SqlProgram<T>): Promise<T> {
    return this.db.transaction(() => body.call(this));
  }

  /** Runs the read-only `body` (with this store as `this`). */
  protected reading<T>(body: (this: this) => SqlProgram<T>): Promise<T> {
    return this.db.read(() => body.call(this));
  }
}
