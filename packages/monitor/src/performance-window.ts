/**
 * Reads the performance window from the production log: every served row of the window (its
 * probabilities and prediction) with the ground truth that arrived for it, if any (the `feedback`
 * table beside the log, joined on prediction_id), and the label delay of each labelled row
 * (feedback received_ts minus served ts). The same window bounds as the drift check.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { InvalidDataError, PRICE_CATEGORIES, type PriceCategory } from '@mlops/core';
import { FEEDBACK_TABLE, PRODUCTION_LOG_TABLE } from '@mlops/core/listing';
import type { ProductionWindowSpec } from './production-window.js';

/** The window's rows, ready for evaluatePerformanceWindow. */
export interface PerformanceWindowRead {
  dbPath: string;
  /** False when the file or its table does not exist yet: an empty window. */
  logExists: boolean;
  rows: number;
  /** Served probabilities per row, PRICE_CATEGORIES order. */
  probabilities: number[][];
  /** Served category per row. */
  predicted: PriceCategory[];
  /** True category per row, null where no feedback has arrived. */
  truth: (PriceCategory | null)[];
  /** Label delay of every labelled row, milliseconds (received minus served). */
  labelDelaysMs: number[];
  firstTs: number | null;
  lastTs: number | null;
  readMs: number;
}

/** Label delays in words of their distribution, seconds; null without labels. */
export interface LabelDelaySummary {
  medianSeconds: number;
  p90Seconds: number;
  maxSeconds: number;
}

/** One served row of the window with its feedback, as both readers select it. */
export interface PerformanceRow {
  ts: number;
  prediction: string;
  p_low: number;
  p_medium: number;
  p_high: number;
  true_category: string | null;
  received_ts: number | null;
}

/** An empty window read (no log, no table, or nothing served in the bounds). */
export function emptyPerformanceWindow(
  dbPath: string,
  logExists: boolean,
  started: number,
): PerformanceWindowRead {
  return {
    dbPath,
    logExists,
    rows: 0,
    probabilities: [],
    predicted: [],
    truth: [],
    labelDelaysMs: [],
    firstTs: null,
    lastTs: null,
    readMs: performance.now() - started,
  };
}

const CATEGORIES = new Set<string>(PRICE_CATEGORIES);

/**
 * The query of a performance window, the same in both dialects: the served rows in the bounds, in id
 * order (newest first with a LIMIT for `lastRows`; the caller reverses), left-joined with their feedback.
 * @param joined whether the feedback table and the prediction_id column exist (else no truth is read)
 * @param bind adds a parameter value and returns its placeholder (`?` or `$n`)
 */
export function performanceWindowSql(
  window: ProductionWindowSpec,
  joined: boolean,
  bind: (value: number | string) => string,
): string {
  const conditions: string[] = [];
  if (window.sinceMs !== undefined) conditions.push(`p.ts >= ${bind(window.sinceMs)}`);
  if (window.untilMs !== undefined) conditions.push(`p.ts < ${bind(window.untilMs)}`);
  if (window.modelVersion !== undefined) conditions.push(`p.model_version = ${bind(window.modelVersion)}`);
  const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
  const truth = joined ? 'f.true_category, f.received_ts' : 'NULL AS true_category, NULL AS received_ts';
  const join = joined ? `LEFT JOIN ${FEEDBACK_TABLE} f ON f.prediction_id = p.prediction_id` : '';
  // The last N rows: newest first with a LIMIT, turned back into time order by the caller.
  const order =
    window.lastRows !== undefined ? `ORDER BY p.id DESC LIMIT ${bind(window.lastRows)}` : 'ORDER BY p.id';
  return `SELECT p.ts, p.prediction, p.p_low, p.p_medium, p.p_high, ${truth}
           FROM ${PRODUCTION_LOG_TABLE} p ${join} ${where} ${order}`;
}

/**
 * The served rows of `window` in the log at `dbPath`, oldest first, with their feedback. A log
 * without a feedback table (no feedback ever sent, or an older API) reads as a window with no labels.
 * @throws InvalidDataError when the file is not a readable production log
 */
export function readPerformanceWindow(
  dbPath: string,
  window: ProductionWindowSpec = {},
): PerformanceWindowRead {
  const started = performance.now();
  if (!existsSync(dbPath)) return emptyPerformanceWindow(dbPath, false, started);
  let db: Database.Database;
  try {
    db = new Database(dbPath, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new InvalidDataError(`cannot open production log ${dbPath}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    const tables = new Set(
      db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all() as string[],
    );
    if (!tables.has(PRODUCTION_LOG_TABLE)) return emptyPerformanceWindow(dbPath, false, started);
    const columns = new Set(
      db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(PRODUCTION_LOG_TABLE) as string[],
    );
    // Rows logged before predictions had ids (or a log without feedback) simply have no truth.
    const joined = tables.has(FEEDBACK_TABLE) && columns.has('prediction_id');
    const params: (number | string)[] = [];
    const sql = performanceWindowSql(window, joined, (value) => {
      params.push(value);
      return '?';
    });
    let rows: PerformanceRow[];
    try {
      rows = db.prepare(sql).all(...params) as PerformanceRow[];
    } catch (error) {
      throw new InvalidDataError(
        `production log ${dbPath}: cannot read the performance window: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    if (window.lastRows !== undefined) rows.reverse();
    return collectPerformanceRows(rows, dbPath, started);
  } finally {
    db.close();
  }
}

/**
 * The window read of `rows` (oldest first): rows whose prediction is not a category are skipped, a
 * stored truth that is not a category counts as no label. Shared by the SQLite and PostgreSQL readers.
 */
export function collectPerformanceRows(
  rows: readonly PerformanceRow[],
  dbPath: string,
  started: number,
): PerformanceWindowRead {
  const read = emptyPerformanceWindow(dbPath, true, started);
  for (const row of rows) {
    if (!CATEGORIES.has(row.prediction)) continue;
    read.probabilities.push([row.p_low, row.p_medium, row.p_high]);
    read.predicted.push(row.prediction as PriceCategory);
    const label = row.true_category !== null && CATEGORIES.has(row.true_category) ? row.true_category : null;
    read.truth.push(label as PriceCategory | null);
    if (label !== null && row.received_ts !== null)
      read.labelDelaysMs.push(Math.max(0, row.received_ts - row.ts));
    read.firstTs = read.firstTs === null ? row.ts : Math.min(read.firstTs, row.ts);
    read.lastTs = read.lastTs === null ? row.ts : Math.max(read.lastTs, row.ts);
  }
  read.rows = read.predicted.length;
  read.readMs = performance.now() - started;
  return read;
}

/** Median, 90th percentile and largest label delay, in seconds; null without labelled rows. */
export function summarizeLabelDelays(delaysMs: readonly number[]): LabelDelaySummary | null {
  if (delaysMs.length === 0) return null;
  const sorted = [...delaysMs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))]! / 1000;
  return { medianSeconds: at(0.5), p90Seconds: at(0.9), maxSeconds: sorted[sorted.length - 1]! / 1000 };
}
