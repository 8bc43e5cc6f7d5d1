/**
 * Training a random forest: options and their defaults, the binned data,
 * resuming from and writing checkpoints (checkpoint.ts), progress and abort.
 * The trees themselves are grown by tree.ts on the threads of worker-pool.ts.
 *
 * Reproducibility: tree i is grown from `deriveSeed(seed, i)` and the binned
 * data only, so the forest is the same (byte for byte in `toJSON`) whatever the
 * thread count, the order in which trees finish, or how often training was
 * interrupted and resumed.
 */
import { availableParallelism } from 'node:os';
import { fitBinEdges, binDataset, binValueRanges, MAX_BINS } from '../binning.js';
import {
  type CheckpointLogger,
  checkpointEntry,
  forestFingerprint,
  readForestCheckpoint,
  writeForestCheckpoint,
} from './checkpoint.js';
import { type Dataset, assertDataset, checkClassLabels as checkLabels } from '../../features/dataset.js';
import { InvalidArgumentError } from '../../errors.js';
import type { ForestParams } from './format.js';
import { RandomForest } from './random-forest.js';
import type { ClassWeightMode, GrownTree, TreeParams, TreeTrainingData } from './tree.js';
import { acquireForestWorkers, growTrees, terminateForestWorkers } from './worker-pool.js';

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
      await terminateForestWorkers(workers);
      throw error;
    }

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
      await growTrees(data, treeParams(params), pending, workers, onTree, signal);
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

/** What each tree grower needs of the forest's parameters. */
function treeParams(params: ForestParams): TreeParams {
  return {
    maxDepth: params.maxDepth ?? Infinity,
    minSamplesLeaf: params.minSamplesLeaf,
    minSamplesSplit: params.minSamplesSplit,
    maxFeatures: params.featuresPerSplit,
    classWeight: params.classWeight,
    bootstrap: params.bootstrap,
    extraTrees: params.extraTrees ?? 0,
    seed: params.seed,
  };
}

/** The stored growth parameters for `options`, defaults filled in; InvalidArgumentError for a bad option. */
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

/** Features drawn per split for a `maxFeatures` option (see ForestOptions). */
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

/** An integer option, `fallback` when unset; InvalidArgumentError when below `min` or not an integer. */
function resolveInteger(value: number | undefined, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}
