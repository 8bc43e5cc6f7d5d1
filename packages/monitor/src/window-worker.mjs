// Worker thread that aggregates one range of production-log ids, so a large
// window is read on two cores. It receives { dbPath, plan, lo, hi } as
// workerData, opens its own read-only connection, and posts back the
// WindowPartial (or { error }). Plain JavaScript: see window-aggregate.mjs.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { aggregateIdRange } from './window-aggregate.mjs';

const { dbPath, plan, lo, hi, mmapBytes } = workerData;
let db;
try {
  db = new Database(dbPath, { readonly: true, fileMustExist: true });
  db.pragma(`mmap_size = ${mmapBytes}`);
  parentPort.postMessage({ partial: aggregateIdRange(db, plan, lo, hi) });
} catch (error) {
  parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
} finally {
  db?.close();
}
