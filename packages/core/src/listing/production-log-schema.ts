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
  'prediction_id', // UUID the answer carried; feedback refers to it (NULL in rows logged before it existed)
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
  p_high REAL NOT NULL,
  prediction_id TEXT
);
CREATE INDEX IF NOT EXISTS ${PRODUCTION_LOG_TABLE}_ts ON ${PRODUCTION_LOG_TABLE} (ts);
CREATE INDEX IF NOT EXISTS ${PRODUCTION_LOG_TABLE}_version ON ${PRODUCTION_LOG_TABLE} (model_version, ts);
`;

/**
 * Upgrades a production log written before predictions carried an id: adds the column (old rows keep
 * NULL). Run only when \`pragma_table_info\` lacks \`prediction_id\`; SQLite has no ADD COLUMN IF NOT EXISTS.
 */
export const PREDICTION_ID_COLUMN_DDL = `ALTER TABLE ${PRODUCTION_LOG_TABLE} ADD COLUMN prediction_id TEXT`;

/**
 * The unique index feedback looks predictions up by. Separate from PRODUCTION_LOG_DDL because an old
 * file gets its column from PREDICTION_ID_COLUMN_DDL first. NULLs (old rows) do not collide.
 */
export const PREDICTION_ID_INDEX_DDL = `CREATE UNIQUE INDEX IF NOT EXISTS ${PRODUCTION_LOG_TABLE}_prediction_id ON ${PRODUCTION_LOG_TABLE} (prediction_id)`;

/**
 * Ground truth that arrived after the answer: one row per prediction id (the first feedback wins;
 * the API refuses a different value later). Lives beside the production log, same SQLite file by default.
 */
export const FEEDBACK_TABLE = 'feedback';

export const FEEDBACK_DDL = `
CREATE TABLE IF NOT EXISTS ${FEEDBACK_TABLE} (
  prediction_id TEXT PRIMARY KEY,
  true_category TEXT NOT NULL,
  sold_price REAL NULL,
  received_ts INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ${FEEDBACK_TABLE}_received ON ${FEEDBACK_TABLE} (received_ts);
`;

/**
 * The price cut points of every model version the API has served, written when it loads the model, so
 * a sold price sent weeks later (to any replica) is turned into a category on the scale that model
 * learned, even after the version stopped serving. NULL cut points: the bundle did not record them.
 */
export const SERVED_MODELS_TABLE = 'served_models';

export const SERVED_MODELS_DDL = `
CREATE TABLE IF NOT EXISTS ${SERVED_MODELS_TABLE} (
  model_name TEXT NOT NULL,
  model_version TEXT NOT NULL,
  price_low REAL NULL,
  price_high REAL NULL,
  first_served_ts INTEGER NOT NULL,
  PRIMARY KEY (model_name, model_version)
);
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
  p_high DOUBLE PRECISION NOT NULL,
  prediction_id TEXT
);
-- A table created before predictions carried an id gains the column (old rows keep NULL).
ALTER TABLE ${PRODUCTION_LOG_TABLE} ADD COLUMN IF NOT EXISTS prediction_id TEXT;
CREATE INDEX IF NOT EXISTS ${PRODUCTION_LOG_TABLE}_ts ON ${PRODUCTION_LOG_TABLE} (ts);
CREATE INDEX IF NOT EXISTS ${PRODUCTION_LOG_TABLE}_version ON ${PRODUCTION_LOG_TABLE} (model_version, ts);
CREATE UNIQUE INDEX IF NOT EXISTS ${PRODUCTION_LOG_TABLE}_prediction_id ON ${PRODUCTION_LOG_TABLE} (prediction_id);
`;

/**
 * FEEDBACK_DDL in PostgreSQL, beside PRODUCTION_LOG_PG_DDL when PRODUCTION_LOG_URL is set: the same
 * columns and meaning, `received_ts` a BIGINT of epoch milliseconds. Every replica writes it; the
 * primary key is what keeps one value per prediction under concurrent writers.
 */
export const FEEDBACK_PG_DDL = `
CREATE TABLE IF NOT EXISTS ${FEEDBACK_TABLE} (
  prediction_id TEXT PRIMARY KEY,
  true_category TEXT NOT NULL,
  sold_price DOUBLE PRECISION NULL,
  received_ts BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS ${FEEDBACK_TABLE}_received ON ${FEEDBACK_TABLE} (received_ts);
`;

/** SERVED_MODELS_DDL in PostgreSQL: the same columns and meaning, `first_served_ts` a BIGINT of epoch ms. */
export const SERVED_MODELS_PG_DDL = `
CREATE TABLE IF NOT EXISTS ${SERVED_MODELS_TABLE} (
  model_name TEXT NOT NULL,
  model_version TEXT NOT NULL,
  price_low DOUBLE PRECISION NULL,
  price_high DOUBLE PRECISION NULL,
  first_served_ts BIGINT NOT NULL,
  PRIMARY KEY (model_name, model_version)
);
`;
