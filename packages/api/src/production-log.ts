import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  NUMERIC_FIELDS,
  PRODUCTION_LOG_COLUMNS,
  PRODUCTION_LOG_DDL,
  PRODUCTION_LOG_TABLE,
  TEXT_FIELDS,
  type Listing,
  type Logger,
  type PriceCategory,
} from '@mlops/core';

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
}

export interface ProductionLogOptions {
  /** SQLite file; its folder is created when missing. */
  path: string;
  /**
   * Longest time a queued row waits before its batch is committed, in milliseconds
   * (default 20). This is the durability window of an acknowledged prediction.
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
  logger?: Logger;
}

/** Counters shown in /health and /metrics. */
export interface ProductionLogStats {
  path: string;
  /** Rows appended since the process started. */
  appended: number;
  /** Rows committed to the database since the process started. */
  committed: number;
  /**
   * Every row whose sequence number (the value `append` returned) is at most this is no longer queued:
   * committed, or counted in `dropped`. With `dropped` at 0 it is the acknowledgement watermark.
   */
  durableSeq: number;
  /** Rows waiting in memory for the next batch. */
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

type Row = (string | number | null)[];

interface DurableWaiter {
  seq: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * The production log writer: every accepted prediction becomes one row of the table the monitor reads
 * (`PRODUCTION_LOG_DDL`).
 *
 * Appends never touch the disk: the row is queued in memory and a timer commits the queue in one
 * transaction at most `flushIntervalMs` later (group commit), so the request path pays a few
 * microseconds and SQLite pays one commit per batch instead of one per request.
 *
 * Acknowledgement: rows are numbered in append order (`append` returns the number) and batches commit
 * in that order, so "row n is durable" is exactly `stats().durableSeq >= n` (while `dropped` is 0). `appendDurable` waits for
 * that; `append` does not, and its row is durable within `flushIntervalMs` plus the commit time.
 * `close()` commits everything still queued.
 */
export class ProductionLog {
  readonly path: string;
  readonly flushIntervalMs: number;
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly insertBatch: (rows: Row[]) => void;
  private readonly maxBatchRows: number;
  private readonly maxQueueRows: number;
  private readonly logger: Logger | undefined;
  private queue: Row[] = [];
  private waiters: DurableWaiter[] = [];
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private closed = false;
  private appended = 0;
  private committed = 0;
  private dropped = 0;
  private batches = 0;
  private failedFlushes = 0;
  private lastFlushAt: number | null = null;
  private lastError: string | null = null;

  constructor(options: ProductionLogOptions) {
    this.path = options.path;
    this.flushIntervalMs = options.flushIntervalMs ?? 20;
    this.maxBatchRows = options.maxBatchRows ?? 5000;
    this.maxQueueRows = options.maxQueueRows ?? 200_000;
    this.logger = options.logger;
    try {
      mkdirSync(dirname(options.path), { recursive: true });
      this.db = new Database(options.path);
    } catch (error) {
      throw new Error(
        `cannot open the production log ${options.path}: ${error instanceof Error ? error.message : String(error)} (check DATA_DIR)`,
        { cause: error },
      );
    }
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    // Commits run on the event loop: wait briefly for a lock, then fail the batch and retry it later
    // (rows stay queued) rather than stall every request in flight.
    this.db.pragma('busy_timeout = 50');
    this.db.exec(PRODUCTION_LOG_DDL);
    const columns = PRODUCTION_LOG_COLUMNS.join(', ');
    const params = PRODUCTION_LOG_COLUMNS.map(() => '?').join(', ');
    this.insert = this.db.prepare(`INSERT INTO ${PRODUCTION_LOG_TABLE} (${columns}) VALUES (${params})`);
    this.insertBatch = this.db.transaction((rows: Row[]) => {
      for (const row of rows) this.insert.run(row);
    });
  }

  /**
   * Queues one served prediction and returns its sequence number (1-based, per process). The row is
   * committed within `flushIntervalMs`; `stats().durableSeq >= seq` tells when.
   */
  append(served: ServedPrediction): number {
    if (this.closed) throw new Error('production log is closed');
    this.queue.push(toRow(served));
    this.appended += 1;
    if (this.queue.length > this.maxQueueRows) this.dropOldest(this.queue.length - this.maxQueueRows);
    else if (this.queue.length >= this.maxBatchRows) this.scheduleImmediateFlush();
    else if (this.timer === null && this.immediate === null) {
      this.timer = setTimeout(this.onTimer, this.flushIntervalMs);
    }
    return this.appended;
  }

  /**
   * Queues one served prediction and resolves once its batch is committed. Appends arriving in the same
   * event-loop turn share one commit. Rejects when the row was dropped or the log closed without it.
   */
  appendDurable(served: ServedPrediction): Promise<number> {
    const seq = this.append(served);
    this.scheduleImmediateFlush();
    return new Promise<number>((resolve, reject) => {
      this.waiters.push({ seq, resolve: () => resolve(seq), reject });
    });
  }

  /** Commits every queued row now (synchronously) and returns how many were committed. */
  flush(): number {
    this.clearSchedule();
    let total = 0;
    while (this.queue.length > 0) {
      const batch =
        this.queue.length <= this.maxBatchRows ? this.queue : this.queue.slice(0, this.maxBatchRows);
      try {
        this.insertBatch(batch);
      } catch (error) {
        this.failedFlushes += 1;
        this.lastError = error instanceof Error ? error.message : String(error);
        this.logger?.error(
          { err: error, queued: this.queue.length },
          'production log: batch commit failed; rows stay queued',
        );
        if (!this.closed) this.timer = setTimeout(this.onTimer, Math.max(this.flushIntervalMs, 250));
        break;
      }
      this.queue = batch === this.queue ? [] : this.queue.slice(batch.length);
      this.committed += batch.length;
      this.batches += 1;
      this.lastFlushAt = Date.now();
      total += batch.length;
    }
    this.releaseWaiters();
    return total;
  }

  stats(): ProductionLogStats {
    return {
      path: this.path,
      appended: this.appended,
      committed: this.committed,
      durableSeq: this.settledSeq(),
      queued: this.queue.length,
      dropped: this.dropped,
      batches: this.batches,
      failedFlushes: this.failedFlushes,
      lastFlushAt: this.lastFlushAt === null ? null : new Date(this.lastFlushAt).toISOString(),
      lastError: this.lastError,
      flushIntervalMs: this.flushIntervalMs,
    };
  }

  /** Commits what is queued and closes the database. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    this.clearSchedule();
    for (const waiter of this.waiters.splice(0)) {
      waiter.reject(new Error('production log closed before the row was committed'));
    }
    if (this.queue.length > 0) {
      this.logger?.error({ lost: this.queue.length }, 'production log: rows could not be committed at close');
    }
    this.db.close();
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    this.flush();
  };

  private readonly onImmediate = (): void => {
    this.immediate = null;
    this.flush();
  };

  /** Sequence number of the newest row that is no longer queued (committed, or dropped on overflow). */
  private settledSeq(): number {
    return this.appended - this.queue.length;
  }

  private scheduleImmediateFlush(): void {
    if (this.immediate !== null || this.closed) return;
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
    this.queue.splice(0, count);
    this.dropped += count;
    this.logger?.warn(
      { dropped: count, total: this.dropped },
      'production log: queue full, oldest rows dropped',
    );
    const lastDropped = this.settledSeq();
    for (let i = this.waiters.length - 1; i >= 0; i -= 1) {
      const waiter = this.waiters[i]!;
      if (waiter.seq <= lastDropped) {
        this.waiters.splice(i, 1);
        waiter.reject(new Error('production log queue overflowed; the row was dropped'));
      }
    }
  }

  private releaseWaiters(): void {
    if (this.waiters.length === 0) return;
    const settled = this.settledSeq();
    const pending: DurableWaiter[] = [];
    for (const waiter of this.waiters) {
      // Dropped rows had their waiters rejected already, so every settled waiter here was committed.
      if (waiter.seq <= settled) waiter.resolve();
      else pending.push(waiter);
    }
    this.waiters = pending;
  }
}

function toRow(served: ServedPrediction): Row {
  const { listing, probabilities } = served;
  const row: Row = [served.ts, served.modelName, served.modelVersion, served.modelAlias];
  for (const field of NUMERIC_FIELDS) row.push(listing[field]);
  for (const field of TEXT_FIELDS) row.push(listing[field]);
  row.push(served.prediction, probabilities.low, probabilities.medium, probabilities.high);
  return row;
}
