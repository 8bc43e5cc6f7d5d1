/**
 * The one interface the stores need from a database: run a SQL program in a
 * transaction, or as a plain read. SqliteExecutor and PostgresExecutor
 * implement it; the stores never see which one they have.
 */
import type { SqlDialect } from './sql-dialect.js';
import type { SqlProgram, SqlStep } from './sql-program.js';

export interface TransactionOptions {
  /**
   * The program yields exactly one statement, which is atomic by itself: PostgreSQL then runs it
   * without BEGIN and COMMIT, two round trips fewer (SQLite ignores this).
   */
  singleStatement?: boolean;
}

/** Runs SQL programs on one database (see the file comment). */
export interface SqlExecutor {
  readonly dialect: SqlDialect;
  /**
   * Runs the program in one transaction. On PostgreSQL the program may be run
   * again from the start (a serialization failure, deadlock or unique-key race),
   * so it must only read and write through the statements it yields.
   */
  transaction<T>(program: () => SqlProgram<T>, options?: TransactionOptions): Promise<T>;
  /** Runs a read-only program without an explicit transaction. */
  read<T>(program: () => SqlProgram<T>): Promise<T>;
  /** Runs a script of one or more statements without parameters (tests, administration). */
  execute(script: string): Promise<void>;
  /** Resolves when the database answers a trivial query; rejects with the reason otherwise. */
  ping(): Promise<void>;
  /** Closes the connection(s). */
  close(): Promise<void>;
}

/**
 * Drives a program synchronously: `step` runs each statement. A failing
 * statement ends the program (its `finally` blocks run) and the error goes to
 * the caller: a failed statement aborts a PostgreSQL transaction, so programs
 * are not allowed to catch database errors on either engine.
 */
export function driveSync<T>(program: SqlProgram<T>, step: (s: SqlStep) => unknown): T {
  let next = program.next();
  while (!next.done) {
    let result: unknown;
    try {
      result = step(next.value);
    } catch (error) {
      program.return(undefined as T);
      throw error;
    }
    next = program.next(result);
  }
  return next.value;
}

/** The asynchronous twin of driveSync, for a driver that answers over the network. */
export async function driveAsync<T>(
  program: SqlProgram<T>,
  step: (s: SqlStep) => Promise<unknown>,
): Promise<T> {
  let next = program.next();
  while (!next.done) {
    let result: unknown;
    try {
      result = await step(next.value);
    } catch (error) {
      program.return(undefined as T);
      throw error;
    }
    next = program.next(result);
  }
  return next.value;
}
