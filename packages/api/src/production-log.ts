import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { type Logger, type PriceCategory } from '@mlops/core';
import {
  NUMERIC_FIELDS,
  PRODUCTION_LOG_COLUMNS,
  PRODUCTION_LOG_DDL,
  PRODUCTION_LOG_TABLE,
  PREDICTION_ID_COLUMN_DDL,
  PREDICTION_ID_INDEX_DDL,
  TEXT_FIELDS,
  type Listing,
} from '@mlops/core/listing';
import type { LoadedModel } from './model-source.js';
import type { Prediction } from './predictor.js';
import { startWriter, type LogRow, type WriterReply } from './production-log-writer.js';

/** One served prediction, as the request handler hands it over. */
export interface ServedPrediction {
  /** Epoch milliseconds when the prediction was served. */
  ts: number;
  modelName: string;
  modelVersion: string;
  /** `production`, `staging` or `local`. */
  modelAlias: string;
  listing: Listing;
  prediction: PriceCategory;
  probabilities: { low: number; medium: number; high: number };
  /** The id the answer carried (a UUID); feedback on the prediction refers to it. */
  predictionId: string;
}

/**
 * The production log row of one answered listing: what the model said and which model said it.
 * @param ts epoch milliseconds the prediction was served
 */
export function servedPrediction(
  model: LoadedModel,
  listing: Listing,
  prediction: Prediction,
  ts: number,
  predictionId: string,
): ServedPrediction {
  return {
    ts,
    modelName: model.name,
    modelVersion: model.version,
    modelAlias: model.alias,
    listing,
    prediction: prediction.price_category,
    probabilities: prediction.probabilities,
    predictionId,
  };
}

export interface ProductionLogOptions {
  /** SQLite file; its folder is created when missing. */
  path: string;
  /**
   * Longest time a queued row waits before its batch is sent for commit, in milliseconds
   * (default 20). With the commit time, this is the durability window of an acknowledged prediction.
   */
  flushIntervalMs?: number;
  /** Most rows committed in one transaction (default 5,000); a fuller queue flushes in several turns. */
  maxBatchRows?: number;
  /**
   * Most rows held in memory while the database refuses writes (default 200,000). Beyond it the
   * oldest rows are dropped and counted, so a broken disk cannot exhaust memory or stop predictions.
   */
  maxQueueRows?: number;
  /**
   * SQLite `synchronous` setting (default NORMAL). With WAL, NORMAL survives a process crash
   * (SIGKILL, OOM) because committed pages are in the OS's file cache; FULL also survives a power cut,
   * at the cost of an fsync per batch.
   */
  synchronous?: 'NORMAL' | 'FULL';
  /** How long a commit waits for a database lock before the batch fails and is retried (default 1,000 ms). */
  busyTimeoutMs?: number;
  /** Delay before a failed batch is retried, in milliseconds (default 250). */
  retryDelayMs?: number;
  logger?: Logger;
}

/** Counters shown in /health and /metrics. */
export interface ProductionLogStats {
  path: string;
  /** Rows appended since the process started (the last sequence number handed out). */
  appended: number;
  /** Rows committed to the database since the process started. */
  committed: number;
  /**
   * Every row whose sequence number (the value `append` returned) is at most this is no longer
   * pending: committed, or counted in `dropped`. With `dropped` at 0 it is the acknowledgement watermark.
   */
  durableSeq: number;
  /** Rows waiting in memory (queued, or sent and not yet committed). */
  queued: number;
  /** Rows given up because the queue overflowed while the database refused writes. */
  dropped: number;
  /** Transactions committed since the process started. */
  batches: number;
  failedFlushes: number;
  /** ISO time of the last committed batch, null before the first one. */
  lastFlushAt: string | null;
  lastError: string | null;
  flushIntervalMs: number;
}

interface DurableWaiter {
  seq: number;
  resolve: (seq: number) => void;
  reject: (error: Error) => void;
}

interface Batch {
  id: number;
  rows: LogRow[];
  seqs: number[];
}

/**
 * The production log writer: every accepted prediction becomes one row of the table the monitor reads
 * (`PRODUCTION_LOG_DDL`).
 *
 * The request thread only queues the row (a few microseconds). A timer hands the queue, at most
 * `flushIntervalMs` later, to a writer thread that commits it in one transaction (group commit), so
 * neither the inserts nor SQLite's WAL checkpoints (which fsync) ever run on the request path. One
 * batch is in flight at a time, which keeps commits in arrival order.
 *
 * Acknowledgement: rows are numbered in append order (`append` returns the number) and commit in that
 * order, so "row n is durable" is exactly `stats().durableSeq >= n` (while `dropped` is 0).
 * `appendDurable` resolves at that moment. `close()` commits everything still queued.
 */
export class ProductionLog {
  readonly path: string;
  readonly flushIntervalMs: number;
  private readonly maxBatchRows: number;
  private readonly maxQueueRows: number;
  private readonly retryDelayMs: number;
  private readonly logger: Logger | undefined;
  private readonly insertSql: string;
  private readonly synchronous: 'NORMAL' | 'FULL';
  private readonly busyTimeoutMs: number;
  private worker: Worker | null = null;
  private queue: LogRow[] = [];
  private queueSeqs: number[] = [];
  private inFlight: Batch | null = null;
  private nextBatchId = 1;
  private waiters: DurableWaiter[] = [];
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private closing: Promise<void> | null = null;
  private idleWaiters: (() => void)[] = [];
  private appended = 0;
  private committed = 0;
  private dropped = 0;
  private batches = 0;
  private failedFlushes = 0;
  private lastFlushAt: number | null = null;
  private lastError: string | null = null;

  /** Opens (and creates) the database on the calling thread, so a bad path fails here, then starts the writer. */
  constructor(options: ProductionLogOptions) {
    this.path = options.path;
    this.flushIntervalMs = options.flushIntervalMs ?? 20;
    this.maxBatchRows = options.maxBatchRows ?? 5000;
    this.maxQueueRows = options.maxQueueRows ?? 200_000;
    this.retryDelayMs = options.retryDelayMs ?? 250;
    this.synchronous = options.synchronous ?? 'NORMAL';
    this.busyTimeoutMs = options.busyTimeoutMs ?? 1000;
    this.logger = options.logger;
    try {
      mkdirSync(dirname(options.path), { recursive: true });
      const db = new Database(options.path);
      try {
        db.pragma('journal_mode = WAL');
        db.exec(PRODUCTION_LOG_DDL);
        upgradeSchema(db);
      } finally {
        db.close();
      }
    } catch (error) {
      throw new Error(
        `cannot open the production log ${options.path}: ${error instanceof Error ? error.message : String(error)} (check DATA_DIR)`,
        { cause: error },
      );
    }
    const columns = PRODUCTION_LOG_COLUMNS.join(', ');
    const params = PRODUCTION_LOG_COLUMNS.map(() => '?').join(', ');
    this.insertSql = `INSERT INTO ${PRODUCTION_LOG_TABLE} (${columns}) VALUES (${params})`;
    this.ensureWriter();
  }

  /**
   * Queues one served prediction and returns its sequence number (1-based, per process). The row is
   * committed within `flushIntervalMs` plus the commit time; `stats().durableSeq >= seq` tells when.
   */
  append(served: ServedPrediction): number {
    if (this.closing) throw new Error('production log is closed');
    this.appended += 1;
    this.queue.push(toRow(served));
    this.queueSeqs.push(this.appended);
    if (this.queue.length > this.maxQueueRows) this.dropOldest(this.queue.length - this.maxQueueRows);
    if (this.queue.length >= this.maxBatchRows) this.flushSoon();
    else if (this.timer === null && this.immediate === null) {
      this.timer = setTimeout(this.onTimer, this.flushIntervalMs);
    }
    return this.appended;
  }

  /**
   * Queues one served prediction and resolves with its sequence number once it is committed. Appends
   * arriving in the same event-loop turn share one commit. Rejects when the row is dropped or the log
   * closes without it.
   */
  appendDurable(served: ServedPrediction): Promise<number> {
    const seq = this.append(served);
    this.flushSoon();
    return new Promise<number>((resolve, reject) => {
      this.waiters.push({ seq, resolve, reject });
    });
  }

  /** Resolves once every row appended so far is committed (or dropped), or the log is closed. */
  flush(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    this.flushSoon();
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Resolves once every row appended up to `seq` (default: all so far) is no longer queued, without
   * waiting for rows appended later (unlike flush, which waits for an idle log). Feedback uses it to
   * find a prediction answered a moment ago.
   */
  flushThrough(seq = this.appended): Promise<void> {
    if (this.durableSeq() >= seq) return Promise.resolve();
    this.flushSoon();
    return new Promise<void>((resolve) => {
      // A dropped row settles the wait too: the caller looks again and reports what is missing.
      this.waiters.push({ seq, resolve: () => resolve(), reject: () => resolve() });
    });
  }

  stats(): ProductionLogStats {
    return {
      path: this.path,
      appended: this.appended,
      committed: this.committed,
      durableSeq: this.durableSeq(),
      queued: this.queue.length + (this.inFlight?.rows.length ?? 0),
      dropped: this.dropped,
      batches: this.batches,
      failedFlushes: this.failedFlushes,
      lastFlushAt: this.lastFlushAt === null ? null : new Date(this.lastFlushAt).toISOString(),
      lastError: this.lastError,
      flushIntervalMs: this.flushIntervalMs,
    };
  }

  /**
   * Commits what is queued, stops the writer and closes the database; waits at most `timeoutMs`
   * (default 10,000) for the commits. Safe to call twice.
   */
  close(timeoutMs = 10_000): Promise<void> {
    this.closing ??= this.shutDown(timeoutMs);
    return this.closing;
  }

  private async shutDown(timeoutMs: number): Promise<void> {
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    const drained = new Promise<void>((resolve) => {
      if (this.isIdle()) resolve();
      else this.idleWaiters.push(resolve);
    });
    this.flushSoon();
    await Promise.race([drained, deadline]);
    this.clearSchedule();
    const pending = this.queue.length + (this.inFlight?.rows.length ?? 0);
    if (pending > 0) {
      this.logger?.error(
        { lost: pending, lastError: this.lastError },
        'production log: rows not committed at close',
      );
    }
    for (const waiter of this.waiters.splice(0)) {
      waiter.reject(new Error('production log closed before the row was committed'));
    }
    const worker = this.worker;
    this.worker = null;
    if (worker) {
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => void worker.terminate().then(() => resolve()), 2000);
        worker.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        worker.postMessage({ type: 'close' });
      });
    }
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    this.sendBatch();
  };

  private readonly onImmediate = (): void => {
    this.immediate = null;
    this.sendBatch();
  };

  private readonly onReply = (reply: WriterReply): void => {
    if (reply.type === 'closed') return;
    const batch = this.inFlight;
    if (!batch || batch.id !== reply.id) return;
    this.inFlight = null;
    if (reply.type === 'committed') {
      this.committed += batch.rows.length;
      this.batches += 1;
      this.lastFlushAt = Date.now();
      this.settle();
      if (this.queue.length > 0) {
        // Someone waiting for durability (or a full batch) cannot wait for the next timer.
        const waited = this.waiters.length > 0 || this.idleWaiters.length > 0 || this.closing !== null;
        if (waited || this.queue.length >= this.maxBatchRows) this.flushSoon();
        else this.timer ??= setTimeout(this.onTimer, this.flushIntervalMs);
      }
      return;
    }
    this.failedFlushes += 1;
    this.lastError = reply.message;
    this.logger?.error(
      { error: reply.message, queued: this.queue.length + batch.rows.length },
      'production log: batch commit failed; rows stay queued',
    );
    // Older than everything queued: back to the front, in order.
    this.queue = batch.rows.concat(this.queue);
    this.queueSeqs = batch.seqs.concat(this.queueSeqs);
    if (this.queue.length > this.maxQueueRows) this.dropOldest(this.queue.length - this.maxQueueRows);
    this.clearSchedule();
    this.timer = setTimeout(this.onTimer, this.retryDelayMs);
  };

  private readonly onWorkerExit = (code: number): void => {
    if (this.closing) return;
    this.worker = null;
    this.lastError = `production log writer thread exited with code ${code}`;
    this.logger?.error({ code }, 'production log writer thread exited; restarting it');
    const batch = this.inFlight;
    this.inFlight = null;
    if (batch) {
      // Its commit was not acknowledged; SQLite rolled it back unless it finished just before the exit.
      this.queue = batch.rows.concat(this.queue);
      this.queueSeqs = batch.seqs.concat(this.queueSeqs);
    }
    this.clearSchedule();
    this.timer = setTimeout(this.onTimer, this.retryDelayMs);
  };

  private ensureWriter(): Worker {
    if (this.worker) return this.worker;
    const worker = startWriter({
      path: this.path,
      insertSql: this.insertSql,
      synchronous: this.synchronous,
      busyTimeoutMs: this.busyTimeoutMs,
    });
    worker.on('message', this.onReply);
    worker.on('error', (error) => {
      this.lastError = error.message;
      this.logger?.error({ err: error }, 'production log writer thread failed');
    });
    worker.on('exit', this.onWorkerExit);
    this.worker = worker;
    return worker;
  }

  /** Sends the oldest queued rows (up to maxBatchRows) to the writer, unless a batch is in flight. */
  private sendBatch(): void {
    if (this.inFlight !== null || this.queue.length === 0) {
      this.notifyIdle();
      return;
    }
    if (this.closing && this.worker === null) return;
    const count = Math.min(this.queue.length, this.maxBatchRows);
    const batch: Batch = {
      id: this.nextBatchId++,
      rows: count === this.queue.length ? this.queue : this.queue.slice(0, count),
      seqs: count === this.queueSeqs.length ? this.queueSeqs : this.queueSeqs.slice(0, count),
    };
    this.queue = count === this.queue.length ? [] : this.queue.slice(count);
    this.queueSeqs = count === this.queueSeqs.length ? [] : this.queueSeqs.slice(count);
    this.inFlight = batch;
    this.ensureWriter().postMessage({ type: 'batch', id: batch.id, rows: batch.rows });
  }

  /** The sequence number just before the oldest row still pending (queued or in flight). */
  private durableSeq(): number {
    const oldest = this.inFlight?.seqs[0] ?? this.queueSeqs[0];
    return oldest === undefined ? this.appended : oldest - 1;
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.inFlight === null;
  }

  private notifyIdle(): void {
    if (!this.isIdle() || this.idleWaiters.length === 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private flushSoon(): void {
    if (this.immediate !== null) return;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.immediate = setImmediate(this.onImmediate);
  }

  private clearSchedule(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }

  private dropOldest(count: number): void {
    const droppedSeqs = new Set(this.queueSeqs.slice(0, count));
    this.queue.splice(0, count);
    this.queueSeqs.splice(0, count);
    this.dropped += count;
    this.logger?.warn(
      { dropped: count, total: this.dropped },
      'production log: queue full, oldest rows dropped',
    );
    this.waiters = this.waiters.filter((waiter) => {
      if (!droppedSeqs.has(waiter.seq)) return true;
      waiter.reject(new Error('production log queue overflowed; the row was dropped'));
      return false;
    });
  }

  /** Resolves the durable waiters whose rows are now committed, then idle waiters. */
  private settle(): void {
    if (this.waiters.length > 0) {
      const durable = this.durableSeq();
      const pending: DurableWaiter[] = [];
      // Dropped rows had their waiters rejected already, so every waiter at or below the mark was committed.
      for (const waiter of this.waiters) {
        if (waiter.seq <= durable) waiter.resolve(waiter.seq);
        else pending.push(waiter);
      }
      this.waiters = pending;
    }
    this.notifyIdle();
  }
}

function toRow(served: ServedPrediction): LogRow {
  const { listing, probabilities } = served;
  const row: LogRow = [served.ts, served.modelName, served.modelVersion, served.modelAlias];
  for (const field of NUMERIC_FIELDS) row.push(listing[field]);
  for (const field of TEXT_FIELDS) row.push(listing[field]);
  row.push(served.prediction, probabilities.low, probabilities.medium, probabilities.high);
  row.push(served.predictionId);
  return row;
}

/** Brings a log written by an older API up to PRODUCTION_LOG_COLUMNS in place (old rows keep NULL ids). */
function upgradeSchema(db: Database.Database): void {
  const columns = db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(PRODUCTION_LOG_TABLE);
  if (!columns.includes('prediction_id')) db.exec(PREDICTION_ID_COLUMN_DDL);
  db.exec(PREDICTION_ID_INDEX_DDL);
}
