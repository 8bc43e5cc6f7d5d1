import { NUMERIC_FIELDS, TEXT_FIELDS } from './listing.js';

/**
 * The production log's shape, shared by the API (writer) and the monitor (reader).
 * One SQLite file, `<DATA_DIR>/production/predictions.db`, table `predictions`,
 * one row per accepted prediction, one column per listing field so that the
 * monitor can aggregate in SQL without parsing JSON.
 */
export const PRODUCTION_LOG_FILE = 'predictions.db';
export const PRODUCTION_LOG_TABLE = 'predictions';

/** Columns written for every served prediction, in insert order. */
export const PRODUCTION_LOG_COLUMNS = [
  'ts', // epoch milliseconds when the prediction was served
  'model_name',
  'model_version',
  'model_alias', // 'production' | 'staging' | 'local'
  ...NUMERIC_FIELDS,
  ...TEXT_FIELDS,
  'prediction', // 'low' | 'medium' | 'high'
  'p_low',
  'p_medium',
  'p_high',
] as const;

export const PRODUCTION_LOG_DDL = `
CREATE TABLE IF NOT EXISTS ${PRODUCTION_LOG_TABLE} (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ts INTEGER NOT NULL,
  model_name TEXT NOT NULL,
  model_version TEXT NOT NULL,
  model_alias TEXT NOT NULL,
  ${NUMERIC_FIELDS.map((f) => `${f} REAL`).join(',\n  ')},
  ${TEXT_FIELDS.map((f) => `${f} TEXT`).join(',\n  ')},
  prediction TEXT NOT NULL,
  p_low REAL NOT NULL,
  p_medium REAL NOT NULL,
  p_high REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS ${PRODUCTION_LOG_TABLE}_ts ON ${PRODUCTION_LOG_TABLE} (ts);
CREATE INDEX IF NOT EXISTS ${PRODUCTION_LOG_TABLE}_version ON ${PRODUCTION_LOG_TABLE} (model_version, ts);
`;

/**
 * A column name as a PostgreSQL identifier. The listing fields are mixed case
 * (`GrossSquareMeters`), which PostgreSQL folds to lower case unless quoted; the
 * writer matches JSON keys to column names exactly, so every name is quoted.
 */
export function pgColumn(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * The same table in PostgreSQL, shared by every API replica when
 * PRODUCTION_LOG_URL is set. Same columns and meaning as PRODUCTION_LOG_DDL;
 * `id` is an identity column (commit order across replicas is not id order,
 * which nothing relies on), `ts` a BIGINT of epoch milliseconds.
 */
export const PRODUCTION_LOG_PG_DDL = `
CREATE TABLE IF NOT EXISTS ${PRODUCTION_LOG_TABLE} (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ts BIGINT NOT NULL,
  model_name TEXT NOT NULL,
  model_version TEXT NOT NULL,
  model_alias TEXT NOT NULL,
  ${NUMERIC_FIELDS.map((f) => `${pgColumn(f)} DOUBLE PRECISION`).join(',\n  ')},
  ${TEXT_FIELDS.map((f) => `${pgColumn(f)} TEXT`).join(',\n  ')},
  prediction TEXT NOT NULL,
  p_low DOUBLE PRECISION NOT NULL,
  p_medium DOUBLE PRECISION NOT NULL,
  p_high DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS ${PRODUCTION_LOG_TABLE}_ts ON ${PRODUCTION_LOG_TABLE} (ts);
CREATE INDEX IF NOT EXISTS ${PRODUCTION_LOG_TABLE}_version ON ${PRODUCTION_LOG_TABLE} (model_version, ts);
`;
