import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { PRICE_CATEGORIES, type PriceCategory } from '@mlops/core';
import {
  CARDINALITY_COLUMN,
  binIndex,
  frequencyOfCounts,
  type ProductionWindowSummary,
  type ReferenceSnapshot,
} from '@mlops/core/drift';
import {
  FEEDBACK_DDL,
  FEEDBACK_TABLE,
  NUMERIC_FIELDS,
  PRODUCTION_LOG_DDL,
  PRODUCTION_LOG_TABLE,
  TEXT_FIELDS,
  type ListingRecord,
} from '@mlops/core/listing';

/** One logged prediction for a fixture log. */
export interface LoggedPrediction {
  listing: ListingRecord;
  prediction: PriceCategory;
  /** Epoch ms; default: start + index * 1000. */
  ts?: number;
  /** Default '1'. */
  modelVersion?: string;
  /** The answer's id (feedback refers to it); default none (NULL, as rows logged before ids). */
  predictionId?: string;
  /** Served probabilities, PRICE_CATEGORIES order; default 0.8 on the prediction, 0.1 elsewhere. */
  probabilities?: readonly number[];
}

/** Feedback received for a logged prediction. */
export interface LoggedFeedback {
  predictionId: string;
  trueCategory: PriceCategory;
  /** Epoch ms the feedback arrived. */
  receivedTs: number;
}

/** Writes feedback rows into the `feedback` table beside the production log at `path`. */
export function writeFeedback(path: string, rows: Iterable<LoggedFeedback>): void {
  const db = new Database(path);
  try {
    db.exec(FEEDBACK_DDL);
    const insert = db.prepare(
      `INSERT INTO ${FEEDBACK_TABLE} (prediction_id, true_category, sold_price, received_ts) VALUES (?, ?, NULL, ?)`,
    );
    db.transaction(() => {
      for (const row of rows) insert.run(row.predictionId, row.trueCategory, row.receivedTs);
    })();
  } finally {
    db.close();
  }
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
      'prediction_id',
    ];
    const insert = db.prepare(
      `INSERT INTO ${PRODUCTION_LOG_TABLE} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
    );
    const start = options.startTs ?? Date.UTC(2024, 0, 1);
    let count = 0;
    db.transaction(() => {
      for (const row of rows) {
        const p = row.probabilities ?? PRICE_CATEGORIES.map((c) => (c === row.prediction ? 0.8 : 0.1));
        insert.run(
          row.ts ?? start + count * 1000,
          'HousingPriceClassifier',
          row.modelVersion ?? '1',
          'production',
          ...NUMERIC_FIELDS.map((f) => row.listing[f]),
          ...TEXT_FIELDS.map((f) => row.listing[f]),
          row.prediction,
          ...p,
          row.predictionId ?? null,
        );
        count++;
      }
    })();
    return count;
  } finally {
    db.close();
  }
}

/**
 * Summarises a whole production log the plain way: one GROUP BY per
 * categorical column and every numeric and address value fetched into
 * JavaScript. An independent oracle for readProductionWindow in tests, and the
 * baseline of the drift benchmark.
 */
export function summarizeProductionLogPlainly(
  dbPath: string,
  reference: ReferenceSnapshot,
): ProductionWindowSummary {
  const db = new Database(dbPath, { readonly: true });
  try {
    const table = PRODUCTION_LOG_TABLE;
    const rows = db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
    const [firstTs, lastTs] = db.prepare(`SELECT MIN(ts), MAX(ts) FROM ${table}`).raw().get() as [
      number | null,
      number | null,
    ];
    const categorical: ProductionWindowSummary['categorical'] = {};
    for (const field of TEXT_FIELDS) {
      const counts = new Map<string, number>();
      let missing = 0;
      const groups = db.prepare(`SELECT ${field}, COUNT(*) FROM ${table} GROUP BY ${field}`).raw().all() as [
        string | null,
        number,
      ][];
      for (const [value, n] of groups) {
        if (value === null || value === '') missing += n;
        else counts.set(value, n);
      }
      categorical[field] = { counts, missing };
    }
    const numeric: ProductionWindowSummary['numeric'] = {};
    for (const field of NUMERIC_FIELDS) {
      const edges = reference.columns[field].edges;
      const counts = new Array<number>(edges.length + 1).fill(0);
      let missing = 0;
      for (const v of db.prepare(`SELECT ${field} FROM ${table}`).pluck().all() as (number | null)[]) {
        if (v === null) missing++;
        else counts[binIndex(edges, v)]! += 1;
      }
      numeric[field] = { counts, missing };
    }
    const predicted = new Map(
      db.prepare(`SELECT prediction, COUNT(*) FROM ${table} GROUP BY prediction`).raw().all() as [
        string,
        number,
      ][],
    );
    const addresses = categorical[CARDINALITY_COLUMN]!.counts;
    let windowNonMissing = 0;
    for (const n of addresses.values()) windowNonMissing += n;
    return {
      rows,
      firstTs,
      lastTs,
      categorical,
      numeric,
      address: { windowNonMissing, sampleEvery: 1, frequencyOfCounts: frequencyOfCounts(addresses.values()) },
      predictions: PRICE_CATEGORIES.map((c) => predicted.get(c) ?? 0),
    };
  } finally {
    db.close();
  }
}
