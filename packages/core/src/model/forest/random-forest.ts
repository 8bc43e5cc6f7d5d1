/**
 * The project's random forest classifier: training (trees grown in parallel on
 * worker threads, checkpointed, resumable, cancellable), inference on flat
 * typed arrays, and a compact JSON serialization.
 *
 * Reproducibility: tree i is grown from `deriveSeed(seed, i)` and the binned
 * data only, so the forest is the same (byte for byte in `toJSON`) whatever the
 * thread count, the order in which trees finish, or how often training was
 * interrupted and resumed.
 *
 * Missing values (NaN) are allowed in features: see tree.ts for the rule.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { fitBinEdges, binDataset, binValueRanges, MAX_BINS } from '../binning.js';
import {
  type CheckpointLogger,
  checkpointEntry,
  forestFingerprint,
  readForestCheckpoint,
  writeForestCheckpoint,
} from './checkpoint.js';
import { type Dataset, assertDataset, checkClassLabels as checkLabels } from '../../features/dataset.js';
import { BundleFormatError, InvalidArgumentError } from '../../errors.js';
import { argmaxRow } from '../metrics.js';
import type { ForestWorkerReply, ForestWorkerRequest } from './worker.js';
import {
  type ClassWeightMode,
  type GrownTree,
  type TreeParams,
  type TreeTrainingData,
  TreeGrower,
} from './tree.js';
import { rowOutput, scoreRows } from '../class-scores.js';
import { decodeStoredArray, encodeTypedArray } from '../typed-codec.js';

export const FOREST_KIND = 'random-forest';
export const FOREST_FORMAT_VERSION = 1;

/** Extra facts passed to `onProgress`. */
export interface ForestProgress {
  /** Trees taken from a checkpoint at the start of this training (0 for a fresh start). */
  resumedFrom: number;
  /** Trees in the latest checkpoint (queued for writing; on disk once trainForest settles). 0 without checkpoints. */
  checkpointed: number;
}

/** Training options; every one has a default. */
export interface ForestOptions {
  /** Number of trees (default 100). */
  nTrees?: number;
  /** Maximum tree depth, root = 0 (default unbounded: grow until pure or limited by leaf sizes). */
  maxDepth?: number | null;
  /** Minimum distinct training rows in a leaf (default 1). */
  minSamplesLeaf?: number;
  /** Minimum rows in a node for it to be split (default 2). */
  minSamplesSplit?: number;
  /**
   * Features drawn at each split (default 'sqrt'): 'sqrt' or 'log2' of the
   * feature count, a fraction in (0, 1] of it (so 1 means all), or an integer
   * count >= 2. Always at least 1.
   */
  maxFeatures?: 'sqrt' | 'log2' | number;
  /**
   * Class weights (default 'balanced'): 'balanced' = n / (nClasses * count_c)
   * over all rows, 'balanced_subsample' = the same over each tree's bootstrap
   * sample, null = all 1. Multiplied by the bootstrap count of each row.
   */
  classWeight?: ClassWeightMode;
  /** Grow each tree on a bootstrap sample of n rows drawn with replacement (default true). */
  bootstrap?: boolean;
  /**
   * Share of the trees grown as extremely randomized trees, in [0, 1]
   * (default 0): one random threshold per drawn feature, all rows, no
   * bootstrap. Averaging both kinds lowers the variance of the forest; 0.5
   * alternates them.
   */
  extraTrees?: number;
  /** Bins per feature including the missing-value bin, 3..256 (default 256). */
  maxBins?: number;
  /** Seed; the same seed, data and options give the same forest (default 42). */
  seed?: number;
  /** Threads growing trees, the calling thread included (default os.availableParallelism(); 1 = no worker). */
  threads?: number;
  /** Write a checkpoint each time this many more trees are done (default 20). */
  checkpointEvery?: number;
  /** Directory of the checkpoint; no checkpoints when unset. */
  checkpointDir?: string;
  /**
   * Called once at the start (with the resume point) and after every tree.
   * `treesDone` counts trees finished, resumed ones included.
   */
  onProgress?: (treesDone: number, nTrees: number, progress: ForestProgress) => void;
  /** Stops training between trees; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Receives warnings (an ignored checkpoint); a pino logger fits. */
  logger?: CheckpointLogger;
}

/** The growth parameters a forest was trained with, as stored in its JSON. */
export interface ForestParams {
  nTrees: number;
  /** null = unbounded. */
  maxDepth: number | null;
  minSamplesLeaf: number;
  minSamplesSplit: number;
  /** As given (or defaulted). */
  maxFeatures: 'sqrt' | 'log2' | number;
  /** Resolved number of features drawn per split. */
  featuresPerSplit: number;
  classWeight: ClassWeightMode;
  bootstrap: boolean;
  /** Share of extremely randomized trees (absent in forests saved before it existed: 0). */
  extraTrees?: number;
  maxBins: number;
  seed: number;
}

/** `RandomForest.toJSON()`: a header plus typed arrays as base64 of raw-deflated little-endian bytes. */
export interface SerializedForest {
  kind: typeof FOREST_KIND;
  formatVersion: number;
  nTrees: number;
  nClasses: number;
  nFeatures: number;
  featureNames?: string[];
  params: ForestParams;
  encoding: 'deflate-raw-base64';
  arrays: {
    /** Int32, nTrees + 1: tree t's nodes are [nodeOffsets[t], nodeOffsets[t + 1]). */
    nodeOffsets: string;
    /** Int32, nTrees + 1: tree t's leaf values are [valueOffsets[t], valueOffsets[t + 1]). */
    valueOffsets: string;
    /** Int32 per node: split feature, -1 for a leaf. */
    feature: string;
    /** Float64 per node (0 for a leaf). */
    threshold: string;
    /**
     * Int32 per node: right child (global index) of a split, -1 for a leaf. The
     * left child of node i is i + 1 and leaf k of a tree has the k-th class
     * distribution of its values (pre-order), so neither is stored.
     */
    right: string;
    /** Uint8 per node: 1 = a missing value goes left. */
    missingLeft: string;
    values: string;
    /** Float64, nTrees * nFeatures. */
    treeImportances: string;
  };
}

/** What a forest records besides its trees. */
export interface ForestMeta {
  nClasses: number;
  nFeatures: number;
  featureNames: string[] | undefined;
  params: ForestParams;
}

/** In-memory state of a forest: all trees' nodes concatenated, child and leaf offsets global. */
interface ForestState {
  nClasses: number;
  nFeatures: number;
  featureNames: string[] | undefined;
  params: ForestParams;
  nodeOffsets: Int32Array;
  valueOffsets: Int32Array;
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  missingLeft: Uint8Array;
  values: Float64Array;
  treeImportances: Float64Array;
}

/**
 * A trained forest. Prediction walks flat arrays: node i splits on
 * `feature[i]` at `threshold[i]` (NaN follows `missingLeft[i]`); a leaf has
 * feature -1 and `left[i]` = offset of its class distribution in `values`.
 */
export class RandomForest {
  readonly nTrees: number;
  readonly nClasses: number;
  readonly nFeatures: number;
  readonly featureNames: readonly string[] | undefined;
  readonly params: ForestParams;
  private readonly state: ForestState;
  private readonly importances: Float64Array;
  /**
   * Inference copy of the nodes, 16 bytes each in one buffer so a visit reads
   * one cache line: float64 slot 2i = threshold; int32 slot 4i+2 = feature * 2 +
   * missingLeft (-1 for a leaf); int32 slot 4i+3 = the left child, whose right
   * sibling is always next to it (leaf: offset of its distribution in values).
   * Laid out for the cache (see `layoutTree`), not in the stored pre-order.
   */
  private readonly nodeThreshold: Float64Array;
  private readonly nodeCode: Int32Array;

  /** Use `trainForest` or `RandomForest.fromJSON`. */
  private constructor(state: ForestState) {
    this.state = state;
    this.nTrees = state.nodeOffsets.length - 1;
    this.nClasses = state.nClasses;
    this.nFeatures = state.nFeatures;
    this.featureNames = state.featureNames;
    this.params = state.params;
    this.importances = meanImportances(
      state.treeImportances,
      this.nTrees,
      state.nFeatures,
      state.nodeOffsets,
    );
    const nNodes = state.feature.length;
    const buffer = new ArrayBuffer(nNodes * 16);
    this.nodeThreshold = new Float64Array(buffer);
    this.nodeCode = new Int32Array(buffer);
    const position = new Int32Array(nNodes);
    for (let t = 0; t < this.nTrees; t++) layoutTree(state, state.nodeOffsets[t]!, position);
    for (let i = 0; i < nNodes; i++) {
      const f = state.feature[i]!;
      const p = position[i]!;
      this.nodeThreshold[2 * p] = state.threshold[i]!;
      this.nodeCode[4 * p + 2] = f >= 0 ? f * 2 + state.missingLeft[i]! : -1;
      this.nodeCode[4 * p + 3] = f >= 0 ? position[i + 1]! : state.left[i]!;
    }
  }

  /**
   * Class probabilities of one row (`nFeatures` values, NaN = missing): the
   * mean over trees of the class distribution of the leaf the row reaches.
   * @param out optional buffer of at least nClasses values to write into (no allocation)
   */
  predictProba(row: Float64Array | readonly number[], out?: Float64Array): Float64Array {
    const result = rowOutput(row, this.nFeatures, this.nClasses, out);
    for (let c = 0; c < this.nClasses; c++) result[c] = 0;
    this.accumulate(row, 0, result, 0);
    const scale = 1 / this.nTrees;
    for (let c = 0; c < this.nClasses; c++) result[c]! *= scale;
    return result;
  }

  /** Class probabilities of every row of `X`: nRows * nClasses values, row-major. */
  predictProbaBatch(X: Dataset): Float64Array {
    const scale = 1 / this.nTrees;
    const k = this.nClasses;
    return scoreRows(
      X,
      this.nFeatures,
      k,
      (data, rowOffset, out, outOffset) => this.accumulate(data, rowOffset, out, outOffset),
      (out, offset) => {
        for (let c = offset; c < offset + k; c++) out[c]! *= scale;
      },
    );
  }

  /** Index of the most probable class of one row (the lowest index on ties). */
  predict(row: Float64Array | readonly number[]): number {
    return argmaxRow(this.predictProba(row), 0, this.nClasses);
  }

  /**
   * Mean decrease in weighted Gini impurity per feature: each tree's decreases
   * normalized to sum 1, averaged over the trees that split at all, normalized
   * again (sklearn's `feature_importances_`). A copy.
   */
  featureImportances(): Float64Array {
    return this.importances.slice();
  }

  /** Compact JSON form; `RandomForest.fromJSON` restores an identical forest. */
  toJSON(): SerializedForest {
    return serializeState(this.state);
  }

  /**
   * Restores a forest from `toJSON()` output (parsed JSON). Throws
   * BundleFormatError for another kind or format version ("got vX, expected
   * vY") and for arrays that are corrupt or inconsistent.
   */
  static fromJSON(json: unknown): RandomForest {
    return new RandomForest(decodeState(json));
  }

  /** JSON of the given trees, the same as `fromTrees(trees, meta).toJSON()` without building a forest. */
  static treesToJSON(trees: readonly GrownTree[], meta: ForestMeta): SerializedForest {
    return serializeState(concatenateTrees(trees, meta));
  }

  /** A forest of the given trees (training and checkpoints). */
  static fromTrees(trees: readonly GrownTree[], meta: ForestMeta): RandomForest {
    return new RandomForest(concatenateTrees(trees, meta));
  }

  /** Tree t as it was grown (local node and leaf offsets), to continue a training from a checkpoint. */
  treeAt(t: number): GrownTree {
    const s = this.state;
    const n0 = s.nodeOffsets[t]!;
    const n1 = s.nodeOffsets[t + 1]!;
    const v0 = s.valueOffsets[t]!;
    const v1 = s.valueOffsets[t + 1]!;
    const feature = s.feature.slice(n0, n1);
    const left = s.left.slice(n0, n1);
    const right = s.right.slice(n0, n1);
    for (let i = 0; i < feature.length; i++) {
      if (feature[i]! >= 0) {
        left[i]! -= n0;
        right[i]! -= n0;
      } else {
        left[i]! -= v0;
      }
    }
    return {
      feature,
      threshold: s.threshold.slice(n0, n1),
      left,
      right,
      missingLeft: s.missingLeft.slice(n0, n1),
      values: s.values.slice(v0, v1),
      importances: s.treeImportances.slice(t * s.nFeatures, (t + 1) * s.nFeatures),
    };
  }

  /**
   * Adds every tree's leaf distribution for the row at `x[base ..]` into
   * `out[outBase ..]`, in tree order. Trees are walked four at a time in
   * lockstep: each walk is a chain of dependent loads, and interleaving four
   * independent chains lets the processor overlap their cache misses.
   */
  private accumulate(x: ArrayLike<number>, base: number, out: Float64Array, outBase: number): void {
    const roots = this.state.nodeOffsets;
    const values = this.state.values;
    const nClasses = this.nClasses;
    const threshold = this.nodeThreshold;
    const code = this.nodeCode;
    const nTrees = this.nTrees;
    let t = 0;
    for (; t + 4 <= nTrees; t += 4) {
      let i0 = roots[t]!;
      let i1 = roots[t + 1]!;
      let i2 = roots[t + 2]!;
      let i3 = roots[t + 3]!;
      let c0 = code[4 * i0 + 2]!;
      let c1 = code[4 * i1 + 2]!;
      let c2 = code[4 * i2 + 2]!;
      let c3 = code[4 * i3 + 2]!;
      // A leaf's code is -1: loop until all four have the sign bit set. The next
      // node is the left child + 1 when the row goes right: v > threshold, or v
      // is NaN and the missing bit (code & 1) is 0. Arithmetic instead of
      // branches: which way a row goes is unpredictable, and mispredicted
      // branches were most of the cost.
      while ((c0 & c1 & c2 & c3) >= 0) {
        if (c0 >= 0) {
          const v = x[base + (c0 >> 1)]!;
          const th = threshold[2 * i0]!;
          i0 = code[4 * i0 + 3]! + (+(v > th) | (+(v !== v) & ~c0 & 1));
          c0 = code[4 * i0 + 2]!;
        }
        if (c1 >= 0) {
          const v = x[base + (c1 >> 1)]!;
          const th = threshold[2 * i1]!;
          i1 = code[4 * i1 + 3]! + (+(v > th) | (+(v !== v) & ~c1 & 1));
          c1 = code[4 * i1 + 2]!;
        }
        if (c2 >= 0) {
          const v = x[base + (c2 >> 1)]!;
          const th = threshold[2 * i2]!;
          i2 = code[4 * i2 + 3]! + (+(v > th) | (+(v !== v) & ~c2 & 1));
          c2 = code[4 * i2 + 2]!;
        }
        if (c3 >= 0) {
          const v = x[base + (c3 >> 1)]!;
          const th = threshold[2 * i3]!;
          i3 = code[4 * i3 + 3]! + (+(v > th) | (+(v !== v) & ~c3 & 1));
          c3 = code[4 * i3 + 2]!;
        }
      }
      const o0 = code[4 * i0 + 3]!;
      const o1 = code[4 * i1 + 3]!;
      const o2 = code[4 * i2 + 3]!;
      const o3 = code[4 * i3 + 3]!;
      for (let k = 0; k < nClasses; k++) {
        // Same order as one tree at a time, so sums do not depend on the grouping.
        let sum = out[outBase + k]!;
        sum += values[o0 + k]!;
        sum += values[o1 + k]!;
        sum += values[o2 + k]!;
        sum += values[o3 + k]!;
        out[outBase + k] = sum;
      }
    }
    for (; t < nTrees; t++) {
      let i = roots[t]!;
      let c = code[4 * i + 2]!;
      while (c >= 0) {
        const v = x[base + (c >> 1)]!;
        const th = threshold[2 * i]!;
        i = code[4 * i + 3]! + (+(v > th) | (+(v !== v) & ~c & 1));
        c = code[4 * i + 2]!;
      }
      const offset = code[4 * i + 3]!;
      for (let k = 0; k < nClasses; k++) out[outBase + k]! += values[offset + k]!;
    }
  }
}

/**
 * Trains a random forest classifier on `X` (row-major, NaN = missing) and
 * labels `y` (class indices 0..nClasses-1). See ForestOptions for defaults.
 * With `checkpointDir`, resumes from a compatible checkpoint there (see
 * checkpoint.ts) and writes one every `checkpointEvery` finished trees and at
 * the end; on abort (`signal`) or a failure, writes the trees finished so far
 * before rejecting.
 */
export async function trainForest(
  X: Dataset,
  y: Uint8Array | ArrayLike<number>,
  nClasses: number,
  options: ForestOptions = {},
): Promise<RandomForest> {
  assertDataset(X, 'X');
  if (!Number.isInteger(nClasses) || nClasses < 2 || nClasses > 256) {
    throw new InvalidArgumentError(`nClasses must be an integer in [2, 256], got ${String(nClasses)}`);
  }
  const labels = checkLabels(y, X.nRows, nClasses);
  if (X.nRows === 0) throw new InvalidArgumentError('X has no rows: cannot train a forest on nothing');
  if (X.nFeatures === 0)
    throw new InvalidArgumentError('X has no features: cannot train a forest on nothing');
  const params = resolveParams(options, X.nFeatures);
  const threads = resolveInteger(options.threads, 'threads', availableParallelism(), 1);
  const checkpointEvery = resolveInteger(options.checkpointEvery, 'checkpointEvery', 20, 1);
  const { checkpointDir, onProgress, signal, logger } = options;
  signal?.throwIfAborted();
  const meta = { nClasses, nFeatures: X.nFeatures, featureNames: X.featureNames, params };
  const nTrees = params.nTrees;
  const trees: (GrownTree | undefined)[] = new Array<GrownTree | undefined>(nTrees);

  // Resume: the checkpoint's trees are this run's trees of the same indices.
  let fingerprint = '';
  let treesDone = 0;
  // Checkpoint text of each finished tree, encoded once.
  const entries: (string | undefined)[] = new Array<string | undefined>(nTrees);
  if (checkpointDir !== undefined) {
    fingerprint = forestFingerprint(X, labels, nClasses, { ...params, nTrees: undefined });
    const saved = await readForestCheckpoint(checkpointDir, fingerprint, logger);
    if (saved) {
      try {
        for (const entry of saved) {
          if (entry.index >= nTrees) continue;
          trees[entry.index] = RandomForest.fromJSON(entry.forest).treeAt(0);
          entries[entry.index] = checkpointEntry(entry.index, entry.forest);
          treesDone++;
        }
      } catch (error) {
        logger?.warn(`ignoring forest checkpoint in ${checkpointDir}: ${(error as Error).message}`);
        trees.fill(undefined);
        entries.fill(undefined);
        treesDone = 0;
      }
    }
  }
  const resumedFrom = treesDone;
  let checkpointed = treesDone;
  onProgress?.(treesDone, nTrees, { resumedFrom, checkpointed });

  const pending: number[] = [];
  for (let t = 0; t < nTrees; t++) if (trees[t] === undefined) pending.push(t);
  if (pending.length > 0) {
    const workerCount = Math.min(threads - 1, pending.length - 1);
    // Workers take a few hundred milliseconds to load their code: start them before binning.
    const workers = acquireForestWorkers(workerCount);
    let data: TreeTrainingData;
    try {
      data = binnedData(X, labels, nClasses, params.maxBins, workerCount > 0, params.extraTrees ?? 0);
    } catch (error) {
      await Promise.all(workers.map((worker) => worker.terminate()));
      throw error;
    }
    const treeParams: TreeParams = {
      maxDepth: params.maxDepth ?? Infinity,
      minSamplesLeaf: params.minSamplesLeaf,
      minSamplesSplit: params.minSamplesSplit,
      maxFeatures: params.featuresPerSplit,
      classWeight: params.classWeight,
      bootstrap: params.bootstrap,
      extraTrees: params.extraTrees ?? 0,
      seed: params.seed,
    };

    // Checkpoints hold every finished tree with its index (trees finish out of
    // order on several threads); they are written one after another, off the
    // growing loop's critical path.
    let writes: Promise<void> = Promise.resolve();
    let writeError: unknown;
    const checkpoint = (): void => {
      if (checkpointDir === undefined || treesDone <= checkpointed) return;
      const texts = entries.filter((entry): entry is string => entry !== undefined);
      checkpointed = treesDone;
      writes = writes.then(() =>
        writeForestCheckpoint(checkpointDir, fingerprint, texts).catch((error: unknown) => {
          writeError ??= error;
        }),
      );
    };
    const onTree = (index: number, tree: GrownTree): void => {
      trees[index] = tree;
      if (checkpointDir !== undefined) {
        entries[index] = checkpointEntry(index, RandomForest.treesToJSON([tree], meta));
      }
      treesDone++;
      if (treesDone >= checkpointed + checkpointEvery || treesDone === nTrees) checkpoint();
      onProgress?.(treesDone, nTrees, { resumedFrom, checkpointed });
    };

    try {
      await growTrees(data, treeParams, pending, workers, onTree, signal);
    } catch (error) {
      // Keep what was finished: an aborted or crashed training resumes from here.
      checkpoint();
      await writes;
      throw error;
    }
    await writes;
    if (writeError !== undefined) throw writeError;
  }
  return RandomForest.fromTrees(trees as GrownTree[], meta);
}

/**
 * Grows the `pending` trees on the calling thread plus the given worker
 * threads, calling `onTree` as each finishes (in any order). Each worker keeps
 * two trees queued so it never waits for the calling thread, which yields to
 * the event loop between its own trees (worker replies, abort, progress).
 */
async function growTrees(
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
    await Promise.all(workers.map((worker) => worker.terminate()));
    if (failure !== undefined) throw failure;
    signal?.throwIfAborted();
  }
  releaseForestWorkers(workers);
}

/** Levels of each tree laid out breadth-first at the front of its nodes. */
const HOT_LEVELS = 8;

/**
 * Positions of one tree's nodes (tree starting at `root`, pre-order with
 * left child i + 1) in the inference buffer, written into `position`. The top
 * HOT_LEVELS levels, which every prediction walks, come first in breadth-first
 * order: for 100 trees they take well under a megabyte and stay in the L2
 * cache. Below them each subtree is laid out depth-first. Everywhere, the two
 * children of a node are adjacent, so one index finds both.
 */
function layoutTree(s: ForestState, root: number, position: Int32Array): void {
  const { feature, right } = s;
  let next = root;
  position[root] = next++;
  // Breadth-first over the hot levels; `level` ends as the first cold level.
  let level: number[] = [root];
  for (let depth = 0; depth < HOT_LEVELS && level.length > 0; depth++) {
    const below: number[] = [];
    for (const node of level) {
      if (feature[node]! < 0) continue;
      position[node + 1] = next++;
      position[right[node]!] = next++;
      below.push(node + 1, right[node]!);
    }
    level = below;
  }
  // Depth-first below: a node's children pair follows it when it is reached first.
  const stack: number[] = [];
  for (const top of level) {
    stack.push(top);
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (feature[node]! < 0) continue;
      position[node + 1] = next++;
      position[right[node]!] = next++;
      stack.push(right[node]!, node + 1);
    }
  }
}

/** Bins and labels for the growers; in SharedArrayBuffers when worker threads will read them. */
function binnedData(
  X: Dataset,
  labels: Uint8Array,
  nClasses: number,
  maxBins: number,
  shared: boolean,
  extraTrees: number,
): TreeTrainingData {
  const edges = fitBinEdges(X, maxBins);
  const y = new Uint8Array(shared ? new SharedArrayBuffer(X.nRows) : new ArrayBuffer(X.nRows));
  y.set(labels);
  const bins = binDataset(X, edges, shared);
  const data: TreeTrainingData = { bins, nRows: X.nRows, nFeatures: X.nFeatures, y, nClasses, edges };
  if (extraTrees > 0) data.binRanges = binValueRanges(X, bins, edges, shared);
  return data;
}

/**
 * Idle forest workers kept for the next training in this process: starting a
 * worker (its TypeScript loader, then a cold JIT) costs a few hundred
 * milliseconds, as much as growing dozens of trees. Idle workers are unref'd,
 * so they never keep the process alive, and hold no training data.
 */
const idleWorkers = new Set<Worker>();

function acquireForestWorkers(count: number): Worker[] {
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

function releaseForestWorkers(workers: readonly Worker[]): void {
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

/** A forest worker thread (forest-worker.ts behind its TypeScript-loading entry file). */
function spawnForestWorker(): Worker {
  const worker = new Worker(new URL('./worker-loader.mjs', import.meta.url), {
    workerData: { entry: new URL('./worker.ts', import.meta.url).href },
  });
  // A worker that ends while idle leaves the pool.
  worker.on('exit', () => idleWorkers.delete(worker));
  return worker;
}

function resolveParams(options: ForestOptions, nFeatures: number): ForestParams {
  const nTrees = resolveInteger(options.nTrees, 'nTrees', 100, 1);
  let maxDepth: number | null = null;
  if (options.maxDepth !== undefined && options.maxDepth !== null && options.maxDepth !== Infinity) {
    maxDepth = resolveInteger(options.maxDepth, 'maxDepth', 0, 1);
  }
  const minSamplesLeaf = resolveInteger(options.minSamplesLeaf, 'minSamplesLeaf', 1, 1);
  const minSamplesSplit = resolveInteger(options.minSamplesSplit, 'minSamplesSplit', 2, 2);
  const maxFeatures = options.maxFeatures ?? 'sqrt';
  const featuresPerSplit = resolveMaxFeatures(maxFeatures, nFeatures);
  const classWeight = options.classWeight === undefined ? 'balanced' : options.classWeight;
  if (classWeight !== null && classWeight !== 'balanced' && classWeight !== 'balanced_subsample') {
    throw new InvalidArgumentError(
      `classWeight must be 'balanced', 'balanced_subsample' or null, got ${JSON.stringify(classWeight)}`,
    );
  }
  const bootstrap = options.bootstrap ?? true;
  if (typeof bootstrap !== 'boolean') {
    throw new InvalidArgumentError(`bootstrap must be true or false, got ${JSON.stringify(bootstrap)}`);
  }
  const extraTrees = options.extraTrees ?? 0;
  if (typeof extraTrees !== 'number' || !(extraTrees >= 0 && extraTrees <= 1)) {
    throw new InvalidArgumentError(`extraTrees must be a share in [0, 1], got ${JSON.stringify(extraTrees)}`);
  }
  const maxBins = resolveInteger(options.maxBins, 'maxBins', MAX_BINS, 3);
  if (maxBins > MAX_BINS)
    throw new InvalidArgumentError(`maxBins must be at most ${MAX_BINS}, got ${maxBins}`);
  const seed = options.seed ?? 42;
  if (!Number.isInteger(seed)) throw new InvalidArgumentError(`seed must be an integer, got ${String(seed)}`);
  return {
    nTrees,
    maxDepth,
    minSamplesLeaf,
    minSamplesSplit,
    maxFeatures,
    featuresPerSplit,
    classWeight,
    bootstrap,
    extraTrees,
    maxBins,
    seed,
  };
}

function resolveMaxFeatures(maxFeatures: 'sqrt' | 'log2' | number, nFeatures: number): number {
  if (maxFeatures === 'sqrt') return Math.max(1, Math.floor(Math.sqrt(nFeatures)));
  if (maxFeatures === 'log2') return Math.max(1, Math.floor(Math.log2(nFeatures)));
  if (typeof maxFeatures === 'number' && maxFeatures > 0 && maxFeatures <= 1) {
    return Math.max(1, Math.floor(maxFeatures * nFeatures));
  }
  if (
    typeof maxFeatures === 'number' &&
    Number.isInteger(maxFeatures) &&
    maxFeatures >= 2 &&
    maxFeatures <= nFeatures
  ) {
    return maxFeatures;
  }
  throw new InvalidArgumentError(
    `maxFeatures must be 'sqrt', 'log2', a fraction in (0, 1] or an integer in [2, ${nFeatures}] (nFeatures), got ${JSON.stringify(maxFeatures)}`,
  );
}

function resolveInteger(value: number | undefined, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

/** sklearn's forest importances: mean of per-tree normalized importances over trees with a split, renormalized. */
function meanImportances(
  treeImportances: Float64Array,
  nTrees: number,
  nFeatures: number,
  nodeOffsets: Int32Array,
): Float64Array {
  const sum = new Float64Array(nFeatures);
  for (let t = 0; t < nTrees; t++) {
    if (nodeOffsets[t + 1]! - nodeOffsets[t]! <= 1) continue;
    for (let f = 0; f < nFeatures; f++) sum[f]! += treeImportances[t * nFeatures + f]!;
  }
  let total = 0;
  for (let f = 0; f < nFeatures; f++) total += sum[f]!;
  if (total > 0) for (let f = 0; f < nFeatures; f++) sum[f]! /= total;
  return sum;
}

function serializeState(s: ForestState): SerializedForest {
  const json: SerializedForest = {
    kind: FOREST_KIND,
    formatVersion: FOREST_FORMAT_VERSION,
    nTrees: s.nodeOffsets.length - 1,
    nClasses: s.nClasses,
    nFeatures: s.nFeatures,
    params: { ...s.params },
    encoding: 'deflate-raw-base64',
    arrays: {
      nodeOffsets: encodeArray(s.nodeOffsets),
      valueOffsets: encodeArray(s.valueOffsets),
      feature: encodeArray(s.feature),
      threshold: encodeArray(s.threshold),
      right: encodeArray(s.right),
      missingLeft: encodeArray(s.missingLeft),
      values: encodeArray(s.values),
      treeImportances: encodeArray(s.treeImportances),
    },
  };
  if (s.featureNames) json.featureNames = [...s.featureNames];
  return json;
}

function concatenateTrees(trees: readonly GrownTree[], meta: ForestMeta): ForestState {
  const nTrees = trees.length;
  const nodeOffsets = new Int32Array(nTrees + 1);
  const valueOffsets = new Int32Array(nTrees + 1);
  trees.forEach((tree, t) => {
    nodeOffsets[t + 1] = nodeOffsets[t]! + tree.feature.length;
    valueOffsets[t + 1] = valueOffsets[t]! + tree.values.length;
  });
  const nNodes = nodeOffsets[nTrees]!;
  const state: ForestState = {
    nClasses: meta.nClasses,
    nFeatures: meta.nFeatures,
    featureNames: meta.featureNames,
    params: { ...meta.params, nTrees },
    nodeOffsets,
    valueOffsets,
    feature: new Int32Array(nNodes),
    threshold: new Float64Array(nNodes),
    left: new Int32Array(nNodes),
    right: new Int32Array(nNodes),
    missingLeft: new Uint8Array(nNodes),
    values: new Float64Array(valueOffsets[nTrees]!),
    treeImportances: new Float64Array(nTrees * meta.nFeatures),
  };
  trees.forEach((tree, t) => {
    const n0 = nodeOffsets[t]!;
    const v0 = valueOffsets[t]!;
    state.feature.set(tree.feature, n0);
    state.threshold.set(tree.threshold, n0);
    state.missingLeft.set(tree.missingLeft, n0);
    state.values.set(tree.values, v0);
    state.treeImportances.set(tree.importances, t * meta.nFeatures);
    for (let i = 0; i < tree.feature.length; i++) {
      if (tree.feature[i]! >= 0) {
        state.left[n0 + i] = tree.left[i]! + n0;
        state.right[n0 + i] = tree.right[i]! + n0;
      } else {
        state.left[n0 + i] = tree.left[i]! + v0;
        state.right[n0 + i] = -1;
      }
    }
  });
  return state;
}

const encodeArray = encodeTypedArray;

function decodeState(json: unknown): ForestState {
  if (json === null || typeof json !== 'object') {
    throw new BundleFormatError(`forest JSON must be an object, got ${json === null ? 'null' : typeof json}`);
  }
  const j = json as Partial<SerializedForest>;
  if (j.kind !== FOREST_KIND) {
    throw new BundleFormatError(
      `not a random forest: got kind ${JSON.stringify(j.kind)}, expected "${FOREST_KIND}"`,
    );
  }
  if (j.formatVersion !== FOREST_FORMAT_VERSION) {
    throw new BundleFormatError(
      `unsupported random forest format: got v${String(j.formatVersion)}, expected v${FOREST_FORMAT_VERSION}`,
    );
  }
  if (j.encoding !== 'deflate-raw-base64') {
    throw new BundleFormatError(
      `forest JSON: got encoding ${JSON.stringify(j.encoding)}, expected "deflate-raw-base64"`,
    );
  }
  const { nTrees, nClasses, nFeatures } = j;
  for (const [name, value] of [
    ['nTrees', nTrees],
    ['nClasses', nClasses],
    ['nFeatures', nFeatures],
  ] as const) {
    if (!Number.isInteger(value) || (value as number) < 1) {
      throw new BundleFormatError(`forest JSON: ${name} must be a positive integer, got ${String(value)}`);
    }
  }
  if (
    j.params === null ||
    typeof j.params !== 'object' ||
    j.arrays === null ||
    typeof j.arrays !== 'object'
  ) {
    throw new BundleFormatError('forest JSON: params and arrays must be objects');
  }
  const T = nTrees!;
  const C = nClasses!;
  const F = nFeatures!;
  if (j.featureNames !== undefined && (!Array.isArray(j.featureNames) || j.featureNames.length !== F)) {
    throw new BundleFormatError(`forest JSON: featureNames must list nFeatures = ${F} names`);
  }
  const arrays = j.arrays as unknown as Record<string, unknown>;
  const nodeOffsets = decodeStoredArray('forest', arrays, 'nodeOffsets', Int32Array, T + 1);
  const valueOffsets = decodeStoredArray('forest', arrays, 'valueOffsets', Int32Array, T + 1);
  const nNodes = nodeOffsets[T]!;
  const state: ForestState = {
    nClasses: C,
    nFeatures: F,
    featureNames: j.featureNames,
    params: j.params,
    nodeOffsets,
    valueOffsets,
    feature: decodeStoredArray('forest', arrays, 'feature', Int32Array, nNodes),
    threshold: decodeStoredArray('forest', arrays, 'threshold', Float64Array, nNodes),
    left: new Int32Array(nNodes),
    right: decodeStoredArray('forest', arrays, 'right', Int32Array, nNodes),
    missingLeft: decodeStoredArray('forest', arrays, 'missingLeft', Uint8Array, nNodes),
    values: decodeStoredArray('forest', arrays, 'values', Float64Array, valueOffsets[T]!),
    treeImportances: decodeStoredArray('forest', arrays, 'treeImportances', Float64Array, T * F),
  };
  checkStructure(state, T);
  return state;
}

/**
 * Rebuilds `left` (pre-order: left child i + 1, leaf k at its tree's k-th value
 * slot) and checks that every child lies after its parent inside its tree and
 * that the leaves match the values, so prediction cannot loop or read out of bounds.
 */
function checkStructure(s: ForestState, nTrees: number): void {
  const fail = (what: string): never => {
    throw new BundleFormatError(`forest JSON: corrupt tree structure (${what})`);
  };
  if (s.nodeOffsets[0] !== 0 || s.valueOffsets[0] !== 0) fail('offsets must start at 0');
  for (let t = 0; t < nTrees; t++) {
    const n0 = s.nodeOffsets[t]!;
    const n1 = s.nodeOffsets[t + 1]!;
    const v0 = s.valueOffsets[t]!;
    const v1 = s.valueOffsets[t + 1]!;
    if (!(n1 > n0) || !(v1 > v0)) fail(`tree ${t} is empty`);
    let offset = v0;
    for (let i = n0; i < n1; i++) {
      const f = s.feature[i]!;
      if (f >= 0) {
        if (f >= s.nFeatures) fail(`node ${i} splits on feature ${f}`);
        const r = s.right[i]!;
        if (!(i + 1 < n1 && r > i + 1 && r < n1)) fail(`node ${i} has children outside its tree`);
        s.left[i] = i + 1;
      } else {
        if (f !== -1) fail(`node ${i} has feature ${f}`);
        s.left[i] = offset;
        offset += s.nClasses;
      }
    }
    if (offset !== v1)
      fail(`tree ${t} has ${(offset - v0) / s.nClasses} leaves but ${(v1 - v0) / s.nClasses} distributions`);
  }
}
