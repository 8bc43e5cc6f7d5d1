import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import {
  PREDICTION_ID_COLUMN_DDL,
  PREDICTION_ID_INDEX_DDL,
  PRODUCTION_LOG_COLUMNS,
  PRODUCTION_LOG_DDL,
  PRODUCTION_LOG_TABLE,
} from '@mlops/core/listing';
import type { LogRow } from './production-log-row.js';
import type { ProductionLogStore } from './production-log-store.js';
import { startWriter, type WriterReply } from './production-log-writer.js';

export interface SqliteLogStoreOptions {
  /** SQLite file; its folder is created when missing. */
  path: string;
  /** SQLite `synchronous` setting (see ProductionLogOptions). */
  synchronous: 'NORMAL' | 'FULL';
  /** How long a commit waits for a database lock before failing the batch, in milliseconds. */
  busyTimeoutMs: number;
}

interface PendingCommit {
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * The production log's SQLite file (one per host, under DATA_DIR). Commits run on a writer thread
 * that owns the write connection, so neither the inserts nor SQLite's WAL checkpoints (which fsync)
 * run on the request thread. A writer thread that dies is restarted on the next commit.
 */
export class SqliteLogStore implements ProductionLogStore {
  readonly backend = 'sqlite' as const;
  readonly path: string;
  readonly url = null;
  private readonly insertSql: string;
  private readonly options: SqliteLogStoreOptions;
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, PendingCommit>();
  private closed = false;

  /** Opens (and creates) the database on the calling thread, so a bad path fails here, then starts the writer. */
  constructor(options: SqliteLogStoreOptions) {
    this.options = options;
    this.path = options.path;
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
    this.ensureWorker();
  }

  commit(rows: LogRow[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('production log store is closed'));
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ensureWorker().postMessage({ type: 'batch', id, rows });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => void worker.terminate().then(() => resolve()), 2000);
      worker.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      worker.postMessage({ type: 'close' });
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = startWriter({
      path: this.path,
      insertSql: this.insertSql,
      synchronous: this.options.synchronous,
      busyTimeoutMs: this.options.busyTimeoutMs,
    });
    worker.on('message', (reply: WriterReply) => {
      if (reply.type === 'closed') return;
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.type === 'committed') waiter.resolve();
      else waiter.reject(new Error(reply.message));
    });
    // An 'error' event is followed by 'exit', which fails the pending commits with its message.
    let failure = '';
    worker.on('error', (error) => (failure = `: ${error.message}`));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = null;
      // Not acknowledged: SQLite rolled the transaction back unless it finished just before the exit.
      const error = new Error(`production log writer thread exited with code ${code}${failure}`);
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    });
    this.worker = worker;
    return worker;
  }
}

/** Brings a log written by an older API up to PRODUCTION_LOG_COLUMNS in place (old rows keep NULL ids). */
function upgradeSchema(db: Database.Database): void {
  const columns = db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(PRODUCTION_LOG_TABLE);
  if (!columns.includes('prediction_id')) db.exec(PREDICTION_ID_COLUMN_DDL);
  db.exec(PREDICTION_ID_INDEX_DDL);
}
