/**
 * Checkpoints the WAL from a worker thread. With synchronous=NORMAL, SQLite
 * fsyncs only at checkpoints, and its automatic checkpoint runs inside the
 * committing request on the event loop: under a log-metric burst that is two
 * fsyncs every few hundred requests, which is what the p99 latency sees. Here
 * a second connection in a worker runs PASSIVE checkpoints (which never block
 * writers) on a timer, and the main connection's automatic checkpoint stays
 * as a far-off safety net in case the worker dies.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Pages the WAL may reach before the main connection checkpoints by itself (about 80 MB). */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 20_000;

// Plain CommonJS run with `eval: true`, so no TypeScript loader is needed inside the worker.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message === 'stop') {
    clearInterval(timer);
    db.close();
    parentPort.close();
  }
});
`;

export interface WalCheckpointer {
  /** Stops the timer and closes the worker's connection. */
  stop(): Promise<void>;
}

/** Starts checkpointing the database file at `path` every `intervalMs` (default 250 ms). */
export function startWalCheckpointer(
  path: string,
  options: { intervalMs?: number; onError?: (message: string) => void } = {},
): WalCheckpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { path, driver, intervalMs: options.intervalMs ?? 250 },
  });
  worker.on('message', (message: { error?: string }) => {
    if (message.error) options.onError?.(message.error);
  });
  worker.on('error', (error) => options.onError?.(error.message));
  // The worker must never keep the process alive on its own.
  worker.unref();
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        if (worker.threadId === -1) {
          resolve();
          return;
        }
        const timer = setTimeout(() => void worker.terminate().then(() => resolve()), 2000);
        worker.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        worker.postMessage('stop');
      }),
  };
}
