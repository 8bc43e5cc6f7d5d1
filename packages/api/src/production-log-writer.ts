import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Messages from the writer thread. */
export type WriterReply =
  | { type: 'committed'; id: number; count: number }
  | { type: 'failed'; id: number; message: string }
  | { type: 'closed' };

export interface WriterSettings {
  /** SQLite file (schema already created). */
  path: string;
  /** The prepared INSERT of one row. */
  insertSql: string;
  synchronous: 'NORMAL' | 'FULL';
  /** How long a commit waits for a lock before failing the batch, in milliseconds. */
  busyTimeoutMs: number;
}

// Plain CommonJS run with `eval: true`: no TypeScript loader is needed inside the thread (worker
// threads do not inherit tsx's hooks, and vitest transforms modules without any).
const WRITER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = ' + workerData.synchronous);
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
const insert = db.prepare(workerData.insertSql);
const insertAll = db.transaction((rows) => {
  for (const row of rows) insert.run(row);
});
parentPort.on('message', (message) => {
  if (message.type === 'batch') {
    try {
      insertAll(message.rows);
      parentPort.postMessage({ type: 'committed', id: message.id, count: message.rows.length });
    } catch (error) {
      parentPort.postMessage({ type: 'failed', id: message.id, message: String((error && error.message) || error) });
    }
  } else if (message.type === 'close') {
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // a reader holds the WAL: the next writer checkpoints it
    }
    db.close();
    parentPort.postMessage({ type: 'closed' });
    parentPort.close();
  }
});
`;

/**
 * Starts the thread that owns the production log's write connection. Commits (and SQLite's automatic
 * WAL checkpoints, which fsync) happen there, so the request thread never waits on the disk.
 */
export function startWriter(settings: WriterSettings): Worker {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WRITER_SOURCE, { eval: true, workerData: { ...settings, driver } });
  // The writer must never keep a process alive on its own; close() waits for it explicitly.
  worker.unref();
  return worker;
}
