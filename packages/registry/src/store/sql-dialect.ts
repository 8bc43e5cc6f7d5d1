/**
 * The few places where the stores' SQL differs between SQLite and PostgreSQL.
 * Everything else (tables, columns, upserts, RETURNING, TRUE/FALSE) is written
 * once in the subset both engines accept.
 */
import { likeToGlob } from './search-filter.js';

/** A SQL fragment with its `?` parameters. */
export interface SqlFragment {
  sql: string;
  params: (string | number)[];
}

/** What differs between the engines, as SQL fragments and flags. */
export interface SqlDialect {
  readonly name: 'sqlite' | 'postgresql';
  /** MLflow's LIKE: case-sensitive, `%` and `_` wildcards, no escape character. */
  like(column: string, pattern: string): SqlFragment;
  /** MLflow's ILIKE: LIKE ignoring (ASCII) case. */
  ilike(column: string, pattern: string): SqlFragment;
  /** A numeric parameter compared with an integer or real column (a filter may compare `version > 1.5`). */
  readonly numberParam: string;
  /** A subquery over the text elements of a JSON array parameter, for `x IN (...)` with one parameter. */
  readonly jsonTextElements: string;
  /** The lowest double, for comparisons where a missing (NaN) value ranks below every number. */
  readonly negativeInfinity: string;
  /** Appended to a SELECT of a row that the transaction will change (a row lock where the engine has them). */
  readonly forUpdate: string;
  /** The metrics column giving insertion order, the last tie-break of a metric history. */
  readonly metricInsertionOrder: string;
  /**
   * True when a parameter may be an array (unnest()ed by the server), so many rows go in one
   * statement: a round trip per row costs on a network database, while SQLite runs a prepared
   * single-row statement per row at no such cost.
   */
  readonly arrayParams: boolean;
}

/** SQLite: GLOB for the case-sensitive LIKE (SQLite's LIKE ignores ASCII case). */
export const SQLITE_DIALECT: SqlDialect = {
  name: 'sqlite',
  like: (column, pattern) => ({ sql: `${column} GLOB ?`, params: [likeToGlob(pattern)] }),
  ilike: (column, pattern) => ({ sql: `${column} LIKE ?`, params: [pattern] }),
  numberParam: '?',
  jsonTextElements: 'SELECT value FROM json_each(?)',
  negativeInfinity: '-9e999',
  forUpdate: '',
  metricInsertionOrder: 'rowid',
  arrayParams: false,
};

/**
 * PostgreSQL: LIKE and ILIKE with `ESCAPE ''`, so a backslash in a pattern is a plain character as
 * on SQLite (PostgreSQL's default escape is the backslash). Text columns use the "C" collation
 * (see postgres-migrations.ts), so ILIKE folds ASCII only and ordering is bytewise on both engines.
 */
export const POSTGRES_DIALECT: SqlDialect = {
  name: 'postgresql',
  like: (column, pattern) => ({ sql: `${column} LIKE ? ESCAPE ''`, params: [pattern] }),
  ilike: (column, pattern) => ({ sql: `${column} ILIKE ? ESCAPE ''`, params: [pattern] }),
  numberParam: 'CAST(? AS double precision)',
  jsonTextElements: 'SELECT json_array_elements_text(CAST(? AS json))',
  negativeInfinity: "CAST('-Infinity' AS double precision)",
  forUpdate: ' FOR UPDATE',
  metricInsertionOrder: 'seq',
  arrayParams: true,
};
