import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  NUMERIC_FIELDS,
  PRICE_CATEGORIES,
  PRODUCTION_LOG_DDL,
  PRODUCTION_LOG_TABLE,
  TEXT_FIELDS,
  type ListingRecord,
  type PriceCategory,
} from '@mlops/core';

/** One logged prediction for a fixture log. */
export interface LoggedPrediction {
  listing: ListingRecord;
  prediction: PriceCategory;
  /** Epoch ms; default: start + index * 1000. */
  ts?: number;
  /** Default '1'. */
  modelVersion?: string;
}

/**
 * Writes rows into a production log at `path` with the shared DDL, the way the
 * API's log does (one column per field), in one transaction. Appends when the
 * file exists.
 */
export function writeProductionLog(
  path: string,
  rows: Iterable<LoggedPrediction>,
  options: { startTs?: number } = {},
): number {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    db.exec(PRODUCTION_LOG_DDL);
    const columns = [
      'ts',
      'model_name',
      'model_version',
      'model_alias',
      ...NUMERIC_FIELDS,
      ...TEXT_FIELDS,
      'prediction',
      'p_low',
      'p_medium',
      'p_high',
    ];
    const insert = db.prepare(
      `INSERT INTO ${PRODUCTION_LOG_TABLE} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
    );
    const start = options.startTs ?? Date.UTC(2024, 0, 1);
    let count = 0;
    db.transaction(() => {
      for (const row of rows) {
        const p = PRICE_CATEGORIES.map((c) => (c === row.prediction ? 0.8 : 0.1));
        insert.run(
          row.ts ?? start + count * 1000,
          'HousingPriceClassifier',
          row.modelVersion ?? '1',
          'production',
          ...NUMERIC_FIELDS.map((f) => row.listing[f]),
          ...TEXT_FIELDS.map((f) => row.listing[f]),
          row.prediction,
          ...p,
        );
        count++;
      }
    })();
    return count;
  } finally {
    db.close();
  }
}
