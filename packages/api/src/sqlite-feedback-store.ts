import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { PriceCategory } from '@mlops/core';
import {
  FEEDBACK_DDL,
  FEEDBACK_TABLE,
  PRODUCTION_LOG_TABLE,
  SERVED_MODELS_DDL,
  SERVED_MODELS_TABLE,
  priceCategoryOf,
} from '@mlops/core/listing';
import type {
  FeedbackConflict,
  FeedbackItem,
  FeedbackOutcome,
  FeedbackStore,
  ServedModelRecord,
  UnconvertiblePrice,
} from './feedback-store.js';

export interface SqliteFeedbackStoreOptions {
  /** The production log's SQLite file: feedback lives beside the predictions it refers to. */
  path: string;
  /** How long a write waits for the production log writer's lock (default 2,000 ms). */
  busyTimeoutMs?: number;
}

/** What the log knows of one prediction id, with any feedback already stored for it. */
export interface LoggedPrediction {
  prediction_id: string;
  model_name: string;
  model_version: string;
  price_low: number | null;
  price_high: number | null;
  true_category: PriceCategory | null;
  sold_price: number | null;
}

type Value = { trueCategory: PriceCategory; soldPrice: number | null };

/**
 * The feedback store on the production log's SQLite file (the default). Runs on the request thread:
 * a batch is a few indexed lookups and inserts in one IMMEDIATE transaction (about a millisecond per
 * thousand items), and IMMEDIATE takes the write lock before reading, so two replicas sharing the
 * file cannot both accept different values for one prediction.
 */
export class SqliteFeedbackStore implements FeedbackStore {
  readonly location: string;
  private readonly db: Database.Database;
  private readonly lookup: Database.Statement;
  private readonly insert: Database.Statement;
  private readonly noteModel: Database.Statement;
  private readonly noted = new Set<string>();
  private readonly recordBatch: Database.Transaction<
    (items: readonly FeedbackItem[], receivedTs: number) => FeedbackOutcome
  >;

  /** Opens (and creates) the file and the feedback tables; a bad path fails here, naming it. */
  constructor(options: SqliteFeedbackStoreOptions) {
    this.location = options.path;
    try {
      mkdirSync(dirname(options.path), { recursive: true });
      this.db = new Database(options.path);
      this.db.pragma('journal_mode = WAL');
      // As the production log: with WAL, NORMAL survives a process crash; FULL would fsync every request.
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 2000}`);
      this.db.exec(FEEDBACK_DDL);
      this.db.exec(SERVED_MODELS_DDL);
    } catch (error) {
      throw new Error(
        `cannot open the feedback store ${options.path}: ${error instanceof Error ? error.message : String(error)} (check DATA_DIR)`,
        { cause: error },
      );
    }
    // One statement for any batch size: the ids travel as one JSON array, expanded by json_each.
    this.lookup = this.db.prepare(
      `SELECT p.prediction_id, p.model_name, p.model_version, s.price_low, s.price_high, f.true_category, f.sold_price
       FROM ${PRODUCTION_LOG_TABLE} p
       LEFT JOIN ${SERVED_MODELS_TABLE} s ON s.model_name = p.model_name AND s.model_version = p.model_version
       LEFT JOIN ${FEEDBACK_TABLE} f ON f.prediction_id = p.prediction_id
       WHERE p.prediction_id IN (SELECT value FROM json_each(?))`,
    );
    this.insert = this.db.prepare(
      `INSERT INTO ${FEEDBACK_TABLE} (prediction_id, true_category, sold_price, received_ts) VALUES (?, ?, ?, ?)`,
    );
    this.noteModel = this.db.prepare(
      `INSERT OR IGNORE INTO ${SERVED_MODELS_TABLE} (model_name, model_version, price_low, price_high, first_served_ts)
       VALUES (?, ?, ?, ?, ?)`,
    );
    this.recordBatch = this.db.transaction((items: readonly FeedbackItem[], receivedTs: number) => {
      const logged = new Map<string, LoggedPrediction>();
      const ids = JSON.stringify(items.map((item) => item.predictionId));
      for (const row of this.lookup.all(ids) as LoggedPrediction[]) logged.set(row.prediction_id, row);
      const plan = planFeedback(items, logged);
      if (plan.kind !== 'recorded') return plan;
      for (const [id, value] of plan.writes)
        this.insert.run(id, value.trueCategory, value.soldPrice, receivedTs);
      return { kind: 'recorded', recorded: plan.writes.length, duplicates: plan.duplicates } as const;
    });
  }

  noteServedModel(model: ServedModelRecord): Promise<void> {
    const key = `${model.name}\u0000${model.version}`;
    if (this.noted.has(key)) return Promise.resolve();
    const t = model.priceThresholds;
    try {
      this.noteModel.run(model.name, model.version, t?.low ?? null, t?.high ?? null, Date.now());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    this.noted.add(key);
    return Promise.resolve();
  }

  record(items: readonly FeedbackItem[], receivedTs: number): Promise<FeedbackOutcome> {
    try {
      return Promise.resolve(this.recordBatch.immediate(items, receivedTs));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}

/**
 * Decides what a batch does, from what the log and the feedback table hold for its ids. Pure, so the
 * rules are the same for every store: unknown ids first, then prices that cannot be converted, then
 * conflicting values; only a batch with none of them is written.
 */
export function planFeedback(
  items: readonly FeedbackItem[],
  logged: ReadonlyMap<string, LoggedPrediction>,
):
  | { kind: 'recorded'; writes: [string, Value][]; duplicates: number }
  | Exclude<FeedbackOutcome, { kind: 'recorded' }> {
  const unknown = [
    ...new Set(items.filter((item) => !logged.has(item.predictionId)).map((i) => i.predictionId)),
  ];
  if (unknown.length > 0) return { kind: 'unknown', predictionIds: unknown };

  const unconvertible: UnconvertiblePrice[] = [];
  const sent: Value[] = items.map((item, index) => {
    if (item.trueCategory !== undefined) return { trueCategory: item.trueCategory, soldPrice: null };
    const row = logged.get(item.predictionId)!;
    if (row.price_low === null || row.price_high === null) {
      unconvertible.push({ index, predictionId: item.predictionId, modelVersion: row.model_version });
      return { trueCategory: 'low', soldPrice: item.soldPrice };
    }
    const thresholds = { low: row.price_low, high: row.price_high };
    return { trueCategory: priceCategoryOf(item.soldPrice, thresholds), soldPrice: item.soldPrice };
  });
  if (unconvertible.length > 0) return { kind: 'unconvertible', items: unconvertible };

  // What each id holds so far: stored feedback, then earlier items of this batch.
  const held = new Map<string, Value>();
  for (const [id, row] of logged) {
    if (row.true_category !== null)
      held.set(id, { trueCategory: row.true_category, soldPrice: row.sold_price });
  }
  const conflicts: FeedbackConflict[] = [];
  const writes: [string, Value][] = [];
  let duplicates = 0;
  items.forEach((item, index) => {
    const value = sent[index]!;
    const stored = held.get(item.predictionId);
    if (stored === undefined) {
      held.set(item.predictionId, value);
      writes.push([item.predictionId, value]);
    } else if (sameFeedback(stored, value)) duplicates += 1;
    else conflicts.push({ predictionId: item.predictionId, stored, sent: value });
  });
  if (conflicts.length > 0) return { kind: 'conflict', conflicts };
  return { kind: 'recorded', writes, duplicates };
}

/**
 * The same ground truth: the same category, and the same price when both carry one (a category sent
 * first and the sale price that confirms it later is the same truth, not a conflict).
 */
function sameFeedback(stored: Value, sent: Value): boolean {
  if (stored.trueCategory !== sent.trueCategory) return false;
  return stored.soldPrice === null || sent.soldPrice === null || stored.soldPrice === sent.soldPrice;
}
