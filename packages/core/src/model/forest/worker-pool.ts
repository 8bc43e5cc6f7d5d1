/**
 * The threads that grow a forest's trees: the calling thread plus worker
 * threads (worker.ts, started through worker-loader.mjs) taken from a pool
 * that outlives one training. Each tree depends only on the binned data, the
 * growth parameters and its index, so which thread grows it, and in which
 * order trees finish, never changes the forest.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ForestWorkerReply, ForestWorkerRequest } from './worker.js';
import { type GrownTree, type TreeParams, type TreeTrainingData, TreeGrower } from './tree.js';

/**
 * Idle forest workers kept for the next training in this process: starting a
 * worker (its TypeScript loader, then a cold JIT) costs a few hundred
 * milliseconds, as much as growing dozens of trees. Idle workers are unref'd,
 * so they never keep the process alive, and hold no training data.
 */
const idleWorkers = new Set<Worker>();

/** `count` workers for one training: idle ones first, new ones for the rest. */
export function acquireForestWorkers(count: number): Worker[] {
  const workers: Worker[] = [];
  for (const worker of idleWorkers) {
    if (workers.length === count) break;
    idleWorkers.delete(worker);
    worker.ref();
    workers.push(worker);
  }
  while (workers.length < count) workers.push(spawnForestWorker());
  return workers;
}

/**
 * Returns the workers of a finished training to the idle pool, which keeps at
 * most one worker per core but one; the others end. A kept worker drops its
 * training data (`release` message) and is unref'd.
 */
export function releaseForestWorkers(workers: readonly Worker[]): void {
  const keep = Math.max(1, availableParallelism() - 1);
  for (const worker of workers) {
    if (idleWorkers.size >= keep) {
      void worker.terminate();
      continue;
    }
    const release: ForestWorkerRequest = { type: 'release' };
    worker.postMessage(release);
    worker.unref();
    idleWorkers.add(worker);
  }
}

/** Ends workers that must not be reused (a failed, aborted or abandoned training: one may be mid-tree). */
export async function terminateForestWorkers(workers: readonly Worker[]): Promise<void> {
  await Promise.all(workers.map((worker) => worker.terminate()));
}

/** A forest worker thread (worker.ts behind its TypeScript-loading entry file, worker-loader.mjs). */
function spawnForestWorker(): Worker {
  const worker = new Worker(new URL('./worker-loader.mjs', import.meta.url), {
    workerData: { entry: new URL('./worker.ts', import.meta.url).href },
  });
  // A worker that ends while idle leaves the pool.
  worker.on('exit', () => idleWorkers.delete(worker));
  return worker;
}

/**
 * Grows the `pending` trees on the calling thread plus the given worker
 * threads, calling `onTree` as each finishes (in any order). Each worker keeps
 * two trees queued so it never waits for the calling thread, which yields to
 * the event loop between its own trees (worker replies, abort, progress).
 */
export async function growTrees(
  data: TreeTrainingData,
  params: TreeParams,
  pending: readonly number[],
  workers: readonly Worker[],
  onTree: (index: number, tree: GrownTree) => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  let cursor = 0;
  const takeNext = (): number => (cursor < pending.length ? pending[cursor++]! : -1);
  let failure: unknown;
  const finished: Promise<void>[] = [];
  const workersDone = (): Promise<void> => Promise.all(finished).then(() => undefined);

  for (const worker of workers) {
    let inFlight = 0;
    let stopped = false;
    let resolveFinished = (): void => {};
    finished.push(new Promise<void>((resolve) => (resolveFinished = resolve)));
    const stop = (error?: unknown): void => {
      if (stopped) return;
      stopped = true;
      if (error !== undefined) failure ??= error;
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      signal?.removeEventListener('abort', onAbort);
      resolveFinished();
    };
    const onAbort = (): void => stop();
    const send = (): void => {
      if (failure !== undefined || signal?.aborted) return;
      const index = takeNext();
      if (index < 0) return;
      const request: ForestWorkerRequest = { type: 'grow', treeIndex: index };
      worker.postMessage(request);
      inFlight++;
    };
    const onMessage = (reply: ForestWorkerReply): void => {
      inFlight--;
      if (reply.type === 'error') {
        const error = new Error(`forest worker failed on tree ${reply.treeIndex}: ${reply.message}`);
        if (reply.stack !== undefined) error.stack = reply.stack;
        stop(error);
        return;
      }
      try {
        onTree(reply.treeIndex, reply.tree);
      } catch (error) {
        stop(error);
        return;
      }
      send();
      if (inFlight === 0) stop();
    };
    const onError = (error: Error): void => stop(error);
    const onExit = (code: number): void =>
      stop(new Error(`forest worker exited with code ${code} before finishing its trees`));
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    signal?.addEventListener('abort', onAbort, { once: true });
    const init: ForestWorkerRequest = { type: 'init', data, params };
    worker.postMessage(init);
    send();
    send();
    if (inFlight === 0) stop();
  }

  try {
    // The calling thread takes the trees the workers have not queued.
    const grower = new TreeGrower(data, params);
    for (;;) {
      if (failure !== undefined || signal?.aborted) break;
      const index = takeNext();
      if (index < 0) break;
      onTree(index, grower.grow(index));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await workersDone();
  } catch (error) {
    failure ??= error;
  }
  if (failure !== undefined || signal?.aborted) {
    // A worker may be mid-tree: stop it rather than reuse it.
    await terminateForestWorkers(workers);
    if (failure !== undefined) throw failure;
    signal?.throwIfAborted();
  }
  releaseForestWorkers(workers);
}
