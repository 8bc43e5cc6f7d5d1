import type { LogRow } from './production-log-row.js';

/** Where the production log commits its batches. */
export type ProductionLogBackend = 'sqlite' | 'postgresql';

/**
 * The commit step of the production log. ProductionLog owns the queue, batching, ordering,
 * durability waiters, retries and the overflow bound; a store only commits one batch at a time.
 */
export interface ProductionLogStore {
  readonly backend: ProductionLogBackend;
  /** The SQLite file, or null. */
  readonly path: string | null;
  /** The PostgreSQL URL with its password masked, or null. */
  readonly url: string | null;
  /**
   * Commits the rows in one transaction, off the calling thread's critical path. `seqs` are the
   * rows' sequence numbers (ascending), which a store may use to make a retried batch idempotent.
   * Rejects when the batch was not committed; the log keeps the rows and retries them.
   */
  commit(rows: LogRow[], seqs: number[]): Promise<void>;
  /** Releases the connection or thread; called once, after the last commit settled (or timed out). */
  close(): Promise<void>;
}
