import type pg from 'pg';
import { redactUrl, type Logger } from '@mlops/core';
import {
  FEEDBACK_PG_DDL,
  FEEDBACK_TABLE,
  SERVED_MODELS_PG_DDL,
  SERVED_MODELS_TABLE,
} from '@mlops/core/listing';
import {
  feedbackLookupSql,
  planFeedback,
  sameFeedback,
  type FeedbackValue,
  type FeedbackWrites,
  type LoggedPrediction,
} from './feedback-plan.js';
import type {
  FeedbackConflict,
  FeedbackItem,
  FeedbackOutcome,
  FeedbackStore,
  ServedModelRecord,
} from './feedback-store.js';
import {
  createTables,
  describePgError,
  guardCheckedOut,
  openProductionLogPool,
} from './production-log-pg-pool.js';

export interface PostgresFeedbackStoreOptions {
  /** PRODUCTION_LOG_URL: feedback lives in the database of the production log it refers to. */
  url: string;
  /** Batches recorded at once (connections of the pool; default 4). */
  maxConnections?: number;
  /** How long connecting may take, in milliseconds (default 10,000). */
  connectTimeoutMs?: number;
  /** Server-side limit of one statement, in milliseconds (default 30,000). */
  statementTimeoutMs?: number;
  logger?: Logger;
}

/** SQLSTATEs of a transaction PostgreSQL aborted to resolve a race: running it again is correct. */
const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']); // deadlock_detected, serialization_failure
const MAX_ATTEMPTS = 3;

/**
 * The feedback store in PostgreSQL (PRODUCTION_LOG_URL), shared by every API replica. A batch is one
 * READ COMMITTED transaction: look the ids up (planFeedback decides, as for SQLite), then insert the
 * new values with ON CONFLICT DO NOTHING. The primary key makes a replica that inserts an id another
 * replica is inserting wait for that transaction; an id it then finds taken is compared with the
 * value now stored: the same value is a duplicate, another one refuses the whole batch (409) and
 * rolls it back. Rows are inserted in id order, so two overlapping batches wait on each other in
 * one direction only instead of deadlocking.
 */
export class PostgresFeedbackStore implements FeedbackStore {
  readonly location: string;
  private readonly pool: pg.Pool;
  private readonly noted = new Set<string>();
  /** Cut points still being written: a batch waits for them, so a price sent right after an answer converts. */
  private readonly noting = new Set<Promise<void>>();
  private readonly lookupSql = feedbackLookupSql('p.prediction_id = ANY($1::text[])');

  private constructor(pool: pg.Pool, location: string) {
    this.pool = pool;
    this.location = location;
  }

  /**
   * Connects and creates the feedback and served_models tables when missing (under the production
   * log's schema lock, so replicas starting together do not race).
   * @throws Error naming PRODUCTION_LOG_URL (password masked) when the URL is bad or the server refuses
   */
  static async open(options: PostgresFeedbackStoreOptions): Promise<PostgresFeedbackStore> {
    const pool = openProductionLogPool({
      url: options.url,
      max: options.maxConnections ?? 4,
      applicationName: 'mlops-api feedback',
      ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
      ...(options.statementTimeoutMs !== undefined ? { statementTimeoutMs: options.statementTimeoutMs } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    await createTables(pool, options.url, 'the feedback store', FEEDBACK_PG_DDL + SERVED_MODELS_PG_DDL);
    return new PostgresFeedbackStore(pool, redactUrl(options.url));
  }

  noteServedModel(model: ServedModelRecord): Promise<void> {
    const key = `${model.name}\u0000${model.version}`;
    if (this.noted.has(key)) return Promise.resolve();
    const note = this.writeServedModel(model, key);
    const settled = note.catch(() => undefined);
    this.noting.add(settled);
    void settled.then(() => this.noting.delete(settled));
    return note;
  }

  async record(items: readonly FeedbackItem[], receivedTs: number): Promise<FeedbackOutcome> {
    // The SQLite store writes cut points before the answer is sent; here they are in flight.
    if (this.noting.size > 0) await Promise.all(this.noting);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.recordOnce(items, receivedTs);
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (attempt < MAX_ATTEMPTS && code !== undefined && RETRYABLE_SQLSTATES.has(code)) continue;
        throw new Error(`feedback store ${this.location}: ${describePgError(error)}`, { cause: error });
      }
    }
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }

  private async writeServedModel(model: ServedModelRecord, key: string): Promise<void> {
    const t = model.priceThresholds;
    try {
      // The first replica to serve a version records its cut points; they never change for a version.
      await this.pool.query(
        `INSERT INTO ${SERVED_MODELS_TABLE} (model_name, model_version, price_low, price_high, first_served_ts)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (model_name, model_version) DO NOTHING`,
        [model.name, model.version, t?.low ?? null, t?.high ?? null, Date.now()],
      );
    } catch (error) {
      throw new Error(`feedback store ${this.location}: ${describePgError(error)}`, { cause: error });
    }
    this.noted.add(key);
  }

  private async recordOnce(items: readonly FeedbackItem[], receivedTs: number): Promise<FeedbackOutcome> {
    const client = await this.pool.connect();
    guardCheckedOut(client);
    try {
      await client.query('BEGIN');
      const ids = [...new Set(items.map((item) => item.predictionId))];
      const found = await client.query<LoggedPrediction>(this.lookupSql, [ids]);
      const plan = planFeedback(items, new Map(found.rows.map((row) => [row.prediction_id, row])));
      const outcome = plan.kind === 'recorded' ? await this.insert(client, plan, receivedTs) : plan;
      await client.query(outcome.kind === 'recorded' ? 'COMMIT' : 'ROLLBACK');
      client.release();
      return outcome;
    } catch (error) {
      // Half-way through a transaction, or dead: never hand this connection out again.
      client.release(error instanceof Error ? error : true);
      throw error;
    }
  }

  /** Inserts the plan's rows; ids another replica recorded meanwhile become duplicates or conflicts. */
  private async insert(
    client: pg.PoolClient,
    plan: FeedbackWrites,
    receivedTs: number,
  ): Promise<FeedbackOutcome> {
    if (plan.writes.length === 0) return { kind: 'recorded', recorded: 0, duplicates: plan.duplicates };
    const inserted = await client.query<{ prediction_id: string }>(
      `INSERT INTO ${FEEDBACK_TABLE} (prediction_id, true_category, sold_price, received_ts)
       SELECT id, category, price, $4 FROM unnest($1::text[], $2::text[], $3::float8[]) AS w(id, category, price)
       ORDER BY id
       ON CONFLICT (prediction_id) DO NOTHING RETURNING prediction_id`,
      [
        plan.writes.map(([id]) => id),
        plan.writes.map(([, value]) => value.trueCategory),
        plan.writes.map(([, value]) => value.soldPrice),
        receivedTs,
      ],
    );
    const recorded = inserted.rowCount ?? 0;
    if (recorded === plan.writes.length) {
      return { kind: 'recorded', recorded, duplicates: plan.duplicates };
    }
    // Lost races: another transaction committed these ids after the lookup (this statement sees it).
    const won = new Set(inserted.rows.map((row) => row.prediction_id));
    const lost = new Map(plan.writes.filter(([id]) => !won.has(id)));
    const stored = await client.query<{ prediction_id: string } & LoggedPrediction>(
      `SELECT prediction_id, true_category, sold_price FROM ${FEEDBACK_TABLE} WHERE prediction_id = ANY($1::text[])`,
      [[...lost.keys()]],
    );
    const conflicts: FeedbackConflict[] = [];
    for (const row of stored.rows) {
      const value: FeedbackValue = { trueCategory: row.true_category!, soldPrice: row.sold_price };
      const sent = lost.get(row.prediction_id)!;
      if (!sameFeedback(value, sent))
        conflicts.push({ predictionId: row.prediction_id, stored: value, sent });
    }
    if (conflicts.length > 0) return { kind: 'conflict', conflicts };
    return { kind: 'recorded', recorded, duplicates: plan.duplicates + lost.size };
  }
}
