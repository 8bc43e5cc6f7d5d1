import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../../src/features/dataset.js';
import { binDataset, binValueRanges, fitBinEdges } from '../../../src/model/binning.js';
import {
  type GrownTree,
  type TreeParams,
  type TreeTrainingData,
  TreeGrower,
} from '../../../src/model/forest/tree.js';
import { trainForest } from '../../../src/model/forest/training.js';
import { acquireForestWorkers, growTrees } from '../../../src/model/forest/worker-pool.js';
import { threeClassSet } from './forest-fixtures.js';

const params: TreeParams = {
  maxDepth: Infinity,
  minSamplesLeaf: 1,
  minSamplesSplit: 2,
  maxFeatures: 2,
  classWeight: 'balanced',
  bootstrap: true,
  extraTrees: 0.5,
  seed: 4,
};

/** Binned data in SharedArrayBuffers, as training hands it to worker threads. */
function sharedData(X: Dataset, labels: Uint8Array): TreeTrainingData {
  const edges = fitBinEdges(X);
  const bins = binDataset(X, edges, true);
  const y = new Uint8Array(new SharedArrayBuffer(X.nRows));
  y.set(labels);
  const binRanges = binValueRanges(X, bins, edges, true);
  return { bins, nRows: X.nRows, nFeatures: X.nFeatures, y, nClasses: 3, edges, binRanges };
}

/** Grows `pending` on the given workers plus the calling thread; the trees by index. */
async function grownTrees(
  data: TreeTrainingData,
  treeParams: TreeParams,
  pending: number[],
  workers: ReturnType<typeof acquireForestWorkers>,
): Promise<Map<number, GrownTree>> {
  const trees = new Map<number, GrownTree>();
  await growTrees(
    data,
    treeParams,
    pending,
    workers,
    (index, tree) => {
      expect(trees.has(index)).toBe(false);
      trees.set(index, tree);
    },
    undefined,
  );
  return trees;
}

// The pool outlives each test: the tests before the last use one worker at a
// time, so at most one idle worker waits between them.
describe('forest worker pool', () => {
  it('grows on a worker thread exactly the trees the calling thread grows, each once', async () => {
    const { X, y } = threeClassSet(400, 15, { noise: 0.1, missing: 0.05 });
    const data = sharedData(X, y);
    const pending = [1, 3, 4, 6, 7, 9, 12];
    const trees = await grownTrees(data, params, pending, acquireForestWorkers(1));
    expect([...trees.keys()].sort((a, b) => a - b)).toEqual(pending);
    const local = new TreeGrower(data, params);
    for (const index of pending) expect(trees.get(index)).toEqual(local.grow(index));
  });

  it("keeps a finished training's worker and serves the next training's data with it", async () => {
    const first = threeClassSet(300, 16, { noise: 0.1 });
    const [worker] = acquireForestWorkers(1);
    await grownTrees(sharedData(first.X, first.y), params, [0, 1, 2, 3], [worker!]);
    const [again] = acquireForestWorkers(1);
    expect(again).toBe(worker);
    const second = threeClassSet(350, 17, { noise: 0.2, missing: 0.1 });
    const data = sharedData(second.X, second.y);
    const otherParams = { ...params, seed: 9, classWeight: null };
    const trees = await grownTrees(data, otherParams, [0, 1, 2, 3, 4, 5], [again!]);
    const local = new TreeGrower(data, otherParams);
    for (let index = 0; index < 6; index++) expect(trees.get(index)).toEqual(local.grow(index));
  });

  it('ends its workers instead of keeping them when the training is aborted', async () => {
    const { X, y } = threeClassSet(300, 18);
    const [worker] = acquireForestWorkers(1);
    let exitCode: number | undefined;
    worker!.once('exit', (code: number) => (exitCode = code));
    const controller = new AbortController();
    const growing = growTrees(
      sharedData(X, y),
      params,
      Array.from({ length: 40 }, (_, t) => t),
      [worker!],
      () => controller.abort(new Error('stopped by test')),
      controller.signal,
    );
    await expect(growing).rejects.toThrow('stopped by test');
    expect(exitCode).toBeDefined();
  });

  it('makes the same forest bytes on 1, 2 and 3 threads (worker threads)', async () => {
    const { X, y } = threeClassSet(800, 5, { noise: 0.1, missing: 0.05 });
    const options = { nTrees: 12, seed: 3, classWeight: 'balanced_subsample' as const };
    const one = JSON.stringify((await trainForest(X, y, 3, { ...options, threads: 1 })).toJSON());
    const two = JSON.stringify((await trainForest(X, y, 3, { ...options, threads: 2 })).toJSON());
    const three = JSON.stringify((await trainForest(X, y, 3, { ...options, threads: 3 })).toJSON());
    expect(two).toBe(one);
    expect(three).toBe(one);
  });
});
