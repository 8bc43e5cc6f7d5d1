import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { FEEDBACK_DDL, FEEDBACK_TABLE, SERVED_MODELS_DDL, SERVED_MODELS_TABLE } from '@mlops/core/listing';
import { feedbackLookupSql, planFeedback, type LoggedPrediction } from './feedback-plan.js';
import type { FeedbackItem, FeedbackOutcome, FeedbackStore, ServedModelRecord } from './feedback-store.js';

export interface SqliteFeedbackStoreOptions {
  /** The production log's SQLite file: feedback lives beside the predictions it refers to. */
  path: string;
  /** How long a write waits for the production log writer's lock (default 2,000 ms). */
  busyTimeoutMs?: number;
}

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
    this.lookup = this.db.prepare(feedbackLookupSql('p.prediction_id IN (SELECT value FROM json_each(?))'));
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
