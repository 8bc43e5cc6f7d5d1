/**
 * Store logic as SQL programs: generator functions that yield one statement at
 * a time and receive its result. The same program runs on both backends:
 * SQLite drives it synchronously inside one better-sqlite3 transaction (so a
 * transaction never spans an await and no other request can interleave), and
 * PostgreSQL drives it with an await per statement on one pooled connection,
 * re-running it from the start when the server asks for a retry.
 *
 *   function* program(): SqlProgram<number> {
 *     const row = yield* get<{ n: number }>('SELECT COUNT(*) AS n FROM runs');
 *     return row?.n ?? 0;
 *   }
 *
 * Statements use `?` placeholders; the PostgreSQL executor numbers them.
 */

/** A bound parameter. Arrays only where the dialect says `arrayParams`. */
export type SqlParam = string | number | null | readonly (string | number | null)[];

/** One statement a program asks its executor to run. */
export type SqlStep =
  | { kind: 'all'; sql: string; params: readonly SqlParam[] }
  | { kind: 'get'; sql: string; params: readonly SqlParam[] }
  | { kind: 'raw'; sql: string; params: readonly SqlParam[] }
  | { kind: 'run'; sql: string; params: readonly SqlParam[] };

/** A program that returns T once every statement it yields has run. */
export type SqlProgram<T> = Generator<SqlStep, T, unknown>;

/** What a write statement reports. */
export interface RunResult {
  /** Rows inserted, updated or deleted. */
  changes: number;
}

/** Every row of a query, as objects keyed by column name. */
export function* all<T>(sql: string, params: readonly SqlParam[] = []): SqlProgram<T[]> {
  return (yield { kind: 'all', sql, params }) as T[];
}

/** The first row of a query, or undefined. */
export function* get<T>(sql: string, params: readonly SqlParam[] = []): SqlProgram<T | undefined> {
  return (yield { kind: 'get', sql, params }) as T | undefined;
}

/** Every row of a query as an array of column values (cheaper than objects for large pages). */
export function* raw<T extends unknown[]>(sql: string, params: readonly SqlParam[] = []): SqlProgram<T[]> {
  return (yield { kind: 'raw', sql, params }) as T[];
}

/** A statement run for its effect. */
export function* run(sql: string, params: readonly SqlParam[] = []): SqlProgram<RunResult> {
  return (yield { kind: 'run', sql, params }) as RunResult;
}
