import { type Logger, type PriceCategory } from '@mlops/core';
import type { Listing } from '@mlops/core/listing';
import type { LoadedModel } from './model-source.js';
import type { Prediction } from './predictor.js';
import { productionLogRow, type LogRow } from './production-log-row.js';
import { SqliteLogStore } from './production-log-sqlite.js';
import type { ProductionLogBackend, ProductionLogStore } from './production-log-store.js';

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
  /**
   * SQLite file; its folder is created when missing. Used when no `store` is given (the default
   * backend, one file per host).
   */
  path?: string;
  /** Where batches are committed, e.g. a PostgresLogStore shared by several replicas; wins over `path`. */
  store?: ProductionLogStore;
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
  /** How long a SQLite commit waits for a database lock before the batch fails and is retried (default 1,000 ms). */
  busyTimeoutMs?: number;
  /**
   * Delay before a failed batch is retried, in milliseconds (default 250). It doubles with each
   * further failure in a row, up to `maxRetryDelayMs`, so a database that is down for minutes is not
   * hammered (nor the log flooded); the first success resets it.
   */
  retryDelayMs?: number;
  /** Longest delay between retries, in milliseconds (default 5,000). */
  maxRetryDelayMs?: number;
  logger?: Logger;
}

/** Counters shown in /health and /metrics. */
export interface ProductionLogStats {
  /** `sqlite` (a file per host) or `postgresql` (one table shared by every replica). */
  backend: ProductionLogBackend;
  /** The SQLite file; null for PostgreSQL. */
  path: string | null;
  /** The PostgreSQL URL with its password masked; null for SQLite. */
  url: string | null;
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
  rows: LogRow[];
  seqs: number[];
}

/**
 * The production log writer: every accepted prediction becomes one row of the table the monitor reads
 * (`PRODUCTION_LOG_DDL`, or `PRODUCTION_LOG_PG_DDL` in PostgreSQL).
 *
 * The request thread only queues the row (a few microseconds). A timer hands the queue, at most
 * `flushIntervalMs` later, to the store, which commits it in one transaction (group commit): a writer
 * thread for SQLite (so neither the inserts nor the WAL checkpoints run on the request path), a
 * connection pool for PostgreSQL. One batch is in flight at a time, which keeps commits in arrival
 * order. A failed batch goes back to the front of the queue and is retried; the queue is bounded.
 *
 * Acknowledgement: rows are numbered in append order (`append` returns the number) and commit in that
 * order, so "row n is durable" is exactly `stats().durableSeq >= n` (while `dropped` is 0).
 * `appendDurable` resolves at that moment. `close()` commits everything still queued.
 */
export class ProductionLog {
  /** Where the rows go: the SQLite file, or the PostgreSQL URL with its password masked. */
  readonly path: string;
  readonly flushIntervalMs: number;
  private readonly store: ProductionLogStore;
  private readonly maxBatchRows: number;
  private readonly maxQueueRows: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly logger: Logger | undefined;
  private queue: LogRow[] = [];
  private queueSeqs: number[] = [];
  private inFlight: Batch | null = null;
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
  private failuresInARow = 0;
  private lastFlushAt: number | null = null;
  private lastError: string | null = null;

  /**
   * Uses the given store, or opens (and creates) the SQLite file at `path` on the calling thread, so
   * a bad path fails here. For PostgreSQL, open the store first (openProductionLog does both).
   */
  constructor(options: ProductionLogOptions) {
    this.flushIntervalMs = options.flushIntervalMs ?? 20;
    this.maxBatchRows = options.maxBatchRows ?? 5000;
    this.maxQueueRows = options.maxQueueRows ?? 200_000;
    this.retryDelayMs = options.retryDelayMs ?? 250;
    this.maxRetryDelayMs = Math.max(this.retryDelayMs, options.maxRetryDelayMs ?? 5000);
    this.logger = options.logger;
    if (options.store) this.store = options.store;
    else if (options.path !== undefined) {
      this.store = new SqliteLogStore({
        path: options.path,
        synchronous: options.synchronous ?? 'NORMAL',
        busyTimeoutMs: options.busyTimeoutMs ?? 1000,
      });
    } else throw new Error('production log: give a SQLite path or a store');
    this.path = this.store.path ?? this.store.url ?? '';
  }

  /**
   * Queues one served prediction and returns its sequence number (1-based, per process). The row is
   * committed within `flushIntervalMs` plus the commit time; `stats().durableSeq >= seq` tells when.
   */
  append(served: ServedPrediction): number {
    if (this.closing) throw new Error('production log is closed');
    const row = productionLogRow(served);
    this.appended += 1;
    this.queue.push(row);
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
      backend: this.store.backend,
      path: this.store.path,
      url: this.store.url,
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
   * Commits what is queued, then closes the store (writer thread or connection pool); waits at most
   * `timeoutMs` (default 10,000) for the commits. Safe to call twice.
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
    // A retry waiting out its back-off goes now: closing cannot wait for it.
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
    await this.store.close();
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

  private onCommitted(batch: Batch): void {
    if (this.inFlight !== batch) return;
    this.inFlight = null;
    this.committed += batch.rows.length;
    this.batches += 1;
    this.failuresInARow = 0;
    this.lastFlushAt = Date.now();
    this.settle();
    if (this.queue.length > 0) {
      // Someone waiting for durability (or a full batch) cannot wait for the next timer.
      const waited = this.waiters.length > 0 || this.idleWaiters.length > 0 || this.closing !== null;
      if (waited || this.queue.length >= this.maxBatchRows) this.flushSoon();
      else this.timer ??= setTimeout(this.onTimer, this.flushIntervalMs);
    }
  }

  private onFailed(batch: Batch, error: unknown): void {
    if (this.inFlight !== batch) return;
    this.inFlight = null;
    const message = error instanceof Error ? error.message : String(error);
    this.failedFlushes += 1;
    this.failuresInARow += 1;
    this.lastError = message;
    const delay = Math.min(this.maxRetryDelayMs, this.retryDelayMs * 2 ** (this.failuresInARow - 1));
    this.logger?.error(
      { error: message, queued: this.queue.length + batch.rows.length, retryInMs: delay },
      'production log: batch commit failed; rows stay queued',
    );
    // Older than everything queued: back to the front, in order.
    this.queue = batch.rows.concat(this.queue);
    this.queueSeqs = batch.seqs.concat(this.queueSeqs);
    if (this.queue.length > this.maxQueueRows) this.dropOldest(this.queue.length - this.maxQueueRows);
    this.clearSchedule();
    if (this.closing) this.flushSoon();
    else this.timer = setTimeout(this.onTimer, delay);
  }

  /** Sends the oldest queued rows (up to maxBatchRows) to the store, unless a batch is in flight. */
  private sendBatch(): void {
    if (this.inFlight !== null || this.queue.length === 0) {
      this.notifyIdle();
      return;
    }
    const count = Math.min(this.queue.length, this.maxBatchRows);
    const batch: Batch = {
      rows: count === this.queue.length ? this.queue : this.queue.slice(0, count),
      seqs: count === this.queueSeqs.length ? this.queueSeqs : this.queueSeqs.slice(0, count),
    };
    this.queue = count === this.queue.length ? [] : this.queue.slice(count);
    this.queueSeqs = count === this.queueSeqs.length ? [] : this.queueSeqs.slice(count);
    this.inFlight = batch;
    this.store.commit(batch.rows, batch.seqs).then(
      () => this.onCommitted(batch),
      (error: unknown) => this.onFailed(batch, error),
    );
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
