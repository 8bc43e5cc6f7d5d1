/**
 * Labelled feedback as training data: every served listing of the production log whose ground truth
 * arrived (`feedback` joined on prediction_id), labelled with that true category (never a category
 * recomputed from a price: most feedback has none), oldest served first.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { InvalidDataError, PRICE_CATEGORIES, type PriceCategory } from '@mlops/core';
import {
  FEEDBACK_TABLE,
  NUMERIC_FIELDS,
  PRODUCTION_LOG_FILE,
  PRODUCTION_LOG_TABLE,
  TEXT_FIELDS,
  pgColumn,
  type LabelledListing,
} from '@mlops/core/listing';

/** Share of the labelled rows, newest first, held out as the promotion gate's recent window. */
export const RECENT_WINDOW_SHARE = 0.2;

/** The production log the API writes under DATA_DIR (where feedback lives beside it). */
export function feedbackLogPath(dataDir: string): string {
  return join(dataDir, 'production', PRODUCTION_LOG_FILE);
}

/**
 * The served listings that have feedback, with it, oldest served first. Quoted column names, so the
 * same text runs on SQLite and PostgreSQL (whose unquoted names would fold to lower case).
 */
export const LABELLED_FEEDBACK_SQL = `SELECT ${[...NUMERIC_FIELDS, ...TEXT_FIELDS].map((f) => `p.${pgColumn(f)}`).join(', ')},
  f.true_category, f.sold_price FROM ${PRODUCTION_LOG_TABLE} p
  JOIN ${FEEDBACK_TABLE} f ON f.prediction_id = p.prediction_id ORDER BY p.ts, p.id`;

/** Rows of LABELLED_FEEDBACK_SQL as training listings; a truth that is not a category is skipped. */
export function labelledListings(rows: readonly Record<string, unknown>[]): LabelledListing[] {
  const categories = new Set<string>(PRICE_CATEGORIES);
  const listings: LabelledListing[] = [];
  for (const row of rows) {
    if (!categories.has(row.true_category as string)) continue;
    const listing: Record<string, unknown> = {};
    for (const f of NUMERIC_FIELDS) listing[f] = row[f] ?? null;
    // The API stores text as sent; empty text is a missing value, as in the raw files.
    for (const f of TEXT_FIELDS) listing[f] = row[f] === '' ? null : (row[f] ?? null);
    listing.price_category = row.true_category as PriceCategory;
    listing.price = typeof row.sold_price === 'number' ? row.sold_price : null;
    listings.push(listing as unknown as LabelledListing);
  }
  return listings;
}

/**
 * The labelled served listings in the log at `path`, oldest served first; empty when the log, its
 * feedback table or its prediction ids do not exist (no feedback yet).
 * @throws InvalidDataError when the file cannot be read as a production log
 */
export function readLabelledFeedback(path: string): LabelledListing[] {
  if (!existsSync(path)) return [];
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new InvalidDataError(`cannot open the production log ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all();
    if (!tables.includes(PRODUCTION_LOG_TABLE) || !tables.includes(FEEDBACK_TABLE)) return [];
    const columns = db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(PRODUCTION_LOG_TABLE);
    if (!columns.includes('prediction_id')) return [];
    return labelledListings(db.prepare(LABELLED_FEEDBACK_SQL).all() as Record<string, unknown>[]);
  } catch (error) {
    throw new InvalidDataError(
      `production log ${path}: cannot read labelled feedback: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  } finally {
    db.close();
  }
}

/**
 * Splits labelled feedback (oldest first) into rows to train on and the most recent window the
 * promotion gate scores on. The window is the newest RECENT_WINDOW_SHARE of the rows, made only
 * when there are at least `minLabels` labelled rows (else everything is trained on).
 */
export function splitRecentWindow(
  labelled: readonly LabelledListing[],
  minLabels: number,
): { train: LabelledListing[]; recent: LabelledListing[] } {
  if (labelled.length < minLabels || labelled.length === 0) return { train: [...labelled], recent: [] };
  const cut = labelled.length - Math.max(1, Math.ceil(RECENT_WINDOW_SHARE * labelled.length));
  return { train: labelled.slice(0, cut), recent: labelled.slice(cut) };
}
