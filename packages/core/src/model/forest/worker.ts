/**
 * Worker-thread side of forest training. The main thread sends one `init`
 * message with the binned data (bins and labels in SharedArrayBuffers, so no
 * copy is made per worker or per tree) and the growth parameters, then `grow`
 * messages naming tree indices. Each grown tree goes back as typed arrays
 * whose buffers are transferred, not copied.
 *
 * Started by worker-pool.ts through worker-loader.mjs, which gives the
 * thread a TypeScript loader first. A worker serves one training after
 * another: after `release` it holds no data until the next `init`.
 */
import { parentPort } from 'node:worker_threads';
import { type GrownTree, type TreeParams, type TreeTrainingData, TreeGrower } from './tree.js';

/** Main thread -> worker. */
export type ForestWorkerRequest =
  | { type: 'init'; data: TreeTrainingData; params: TreeParams }
  | { type: 'grow'; treeIndex: number }
  /** Training over: drop the grower and its buffers; the worker waits for the next init. */
  | { type: 'release' };

/** Worker -> main thread. */
export type ForestWorkerReply =
  | { type: 'tree'; treeIndex: number; tree: GrownTree }
  | { type: 'error'; treeIndex: number; message: string; stack?: string };

/** Buffers of a grown tree, to transfer instead of copy. */
export function treeBuffers(tree: GrownTree): ArrayBuffer[] {
  return [
    tree.feature.buffer,
    tree.threshold.buffer,
    tree.left.buffer,
    tree.right.buffer,
    tree.missingLeft.buffer,
    tree.values.buffer,
    tree.importances.buffer,
  ] as ArrayBuffer[];
}

const port = parentPort;
if (port) {
  let grower: TreeGrower | undefined;
  port.on('message', (request: ForestWorkerRequest) => {
    if (request.type === 'init') {
      grower = new TreeGrower(request.data, request.params);
      return;
    }
    if (request.type === 'release') {
      grower = undefined;
      return;
    }
    try {
      if (!grower) throw new Error('forest worker got a tree to grow before its init message');
      const tree = grower.grow(request.treeIndex);
      const reply: ForestWorkerReply = { type: 'tree', treeIndex: request.treeIndex, tree };
      port.postMessage(reply, treeBuffers(tree));
    } catch (error) {
      const reply: ForestWorkerReply = {
        type: 'error',
        treeIndex: request.treeIndex,
        message: (error as Error).message ?? String(error),
      };
      const stack = (error as Error).stack;
      if (stack !== undefined) reply.stack = stack;
      port.postMessage(reply);
    }
  });
}
