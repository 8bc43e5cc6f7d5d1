/**
 * Histogram-based gradient-boosted decision trees for multiclass
 * classification (softmax), built to reproduce scikit-learn's
 * HistGradientBoostingClassifier: its accuracy on our data is the reference,
 * so every rule that changes which split wins (gain formula, tie-breaking,
 * minimum leaf size and hessian, missing-value handling, leaf-wise growth
 * order, float32 gradients) follows sklearn's grower and splitter.
 *
 * Training: features are binned once (binning.ts, bin 0 = missing). Raw scores
 * start at the log of the weighted class priors; each round computes softmax
 * probabilities p and, per class k, gradients g = w (p_k - [y = k]) and
 * hessians h = w p_k (1 - p_k), then grows one regression tree per class on
 * them, best-first (the leaf with the largest gain is split next) up to
 * `maxLeafNodes` leaves. A node's histogram of (sum g, sum h, count) per bin is
 * built from its rows only for the smaller child of a split; the larger
 * child's is the parent's minus the smaller's, which halves the work or better.
 *
 * Missing values (NaN): for a feature that had missing values in training,
 * each split tries sending them left and right and keeps the better; for a
 * feature that had none, a NaN seen at prediction goes to the child that had
 * more training rows. The direction is stored per node (`missingLeft`).
 *
 * Determinism: no randomness at all, so the same data and options give the
 * same model, byte for byte in `toJSON`.
 */
import { type BinEdges, MAX_BINS, binCount, binDataset, fitBinEdges, thresholdBetween } from '../binning.js';
import { type Dataset, assertDataset, checkClassLabels as checkLabels } from '../../features/dataset.js';
import { BundleFormatError, InvalidArgumentError } from '../../errors.js';
import { argmaxRow } from '../metrics.js';
import { balancedClassWeights } from '../forest/tree.js';
import { rowOutput, scoreRows } from '../class-scores.js';
import { decodeStoredArray, encodeTypedArray } from '../typed-codec.js';

export const BOOSTING_KIND = 'gradient-boosting';
export const BOOSTING_FORMAT_VERSION = 1;

/** Training options; every one has a default (sklearn's, except where noted). */
export interface BoostingOptions {
  /** Boosting rounds (default 800); each round grows one tree per class. */
  iterations?: number;
  /** Shrinkage applied to every leaf value (default 0.03): smaller learns slower but generalizes better. */
  learningRate?: number;
  /** Leaves per tree, grown best-first (default 63). */
  maxLeafNodes?: number;
  /** Maximum depth, root = 0 (default null: unbounded, `maxLeafNodes` limits the tree). */
  maxDepth?: number | null;
  /** Minimum training rows in a leaf (default 20). */
  minSamplesLeaf?: number;
  /** L2 penalty on leaf values, the lambda of the gain and of the leaf value (default 1). */
  l2Regularization?: number;
  /** 'balanced' (default) weighs each row n / (nClasses * count of its class), like sklearn; null = all 1. */
  classWeight?: 'balanced' | null;
  /** Bins per feature including the missing-value bin, 3..256 (default 256). */
  maxBins?: number;
  /** Called after each round with the rounds done and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Checked between rounds: training throws the signal's reason once it is aborted. */
  signal?: AbortSignal;
}

/** The resolved training parameters, as stored in the JSON. */
export interface BoostingParams {
  iterations: number;
  learningRate: number;
  maxLeafNodes: number;
  /** null = unbounded. */
  maxDepth: number | null;
  minSamplesLeaf: number;
  l2Regularization: number;
  classWeight: 'balanced' | null;
  maxBins: number;
}

/**
 * `GradientBoosting.toJSON()`: a header plus typed arrays as base64 of
 * raw-deflated little-endian bytes (the forest's encoding). There are
 * `params.iterations * nClasses` trees, round-major: tree t belongs to round
 * floor(t / nClasses) and adds to the raw score of class t % nClasses.
 */
export interface SerializedBoosting {
  kind: typeof BOOSTING_KIND;
  formatVersion: number;
  nClasses: number;
  nFeatures: number;
  featureNames?: string[];
  params: BoostingParams;
  encoding: 'deflate-raw-base64';
  arrays: {
    /** Float64, nClasses: the raw scores before any tree (log class priors). */
    baseline: string;
    /** Int32, nTrees + 1: tree t's nodes are [nodeOffsets[t], nodeOffsets[t + 1]). */
    nodeOffsets: string;
    /** Int32 per node: split feature, -1 for a leaf. */
    feature: string;
    /** Float64 per node: x <= threshold goes left (0 for a leaf; +Infinity splits present from missing). */
    threshold: string;
    /** Uint8 per node: 1 = a missing value goes left. */
    missingLeft: string;
    /** Int32 per node: right child (global index), -1 for a leaf; the left child of node i is i + 1 (pre-order). */
    right: string;
    /** Float64 per leaf, in node order: the value the leaf adds to its class's raw score (learning rate included). */
    values: string;
  };
}

/** The model's arrays, nodes of all trees concatenated (global indices). */
interface BoostingState {
  nClasses: number;
  nFeatures: number;
  featureNames: string[] | undefined;
  params: BoostingParams;
  baseline: Float64Array;
  nodeOffsets: Int32Array;
  feature: Int32Array;
  threshold: Float64Array;
  missingLeft: Uint8Array;
  right: Int32Array;
  values: Float64Array;
}

/** A split needs at least this much hessian on each side (sklearn's `min_hessian_to_split`). */
const MIN_HESSIAN = 1e-3;
/** Longest stretch of training `fitAsync` runs without letting the event loop turn, ms. */
const YIELD_MS = 20;
/** Hessians are clipped to at least this, so a confident row never has exactly zero curvature. */
const MIN_ROW_HESSIAN = 1e-16;
/** Added to denominators as sklearn does: keeps a leaf value finite when lambda = 0 and the hessian vanishes. */
const EPS_DENOMINATOR = 1e-15;

/**
 * A trained gradient-boosting classifier. The model stores real thresholds
 * (halfway between the training values on either side of each split), so
 * prediction needs no bin edges; see `Predictor` for how a row is walked
 * through thousands of trees quickly.
 *
 * Two classes are modelled like more: softmax over one tree per class and
 * round (sklearn uses one logistic tree per round for two classes; the
 * predictions are close, not identical).
 */
export class GradientBoosting {
  readonly nClasses: number;
  readonly nFeatures: number;
  readonly featureNames: readonly string[] | undefined;
  /** Boosting rounds; the model has `iterations * nClasses` trees. */
  readonly iterations: number;
  readonly params: BoostingParams;
  private readonly state: BoostingState;
  private readonly predictor: Predictor;

  /** Use `GradientBoosting.fit` or `GradientBoosting.fromJSON`. */
  private constructor(state: BoostingState) {
    this.state = state;
    this.nClasses = state.nClasses;
    this.nFeatures = state.nFeatures;
    this.featureNames = state.featureNames;
    this.params = state.params;
    this.iterations = state.params.iterations;
    this.predictor = new Predictor(state);
  }

  /**
   * Trains on `X` (row-major, NaN = missing) and labels `y` (class indices
   * 0..nClasses-1). Synchronous: a default training takes seconds; use
   * `fitAsync` to keep the event loop turning meanwhile. See BoostingOptions
   * for the defaults.
   */
  static fit(
    X: Dataset,
    y: Uint8Array | ArrayLike<number>,
    nClasses: number,
    options: BoostingOptions = {},
  ): GradientBoosting {
    const rounds = GradientBoosting.rounds(X, y, nClasses, options);
    for (;;) {
      const step = rounds.next();
      if (step.done) return step.value;
    }
  }

  /**
   * `fit` that lets the event loop run between rounds (at most every
   * `YIELD_MS` of work): timers, heartbeats and signals of the calling
   * process keep flowing during a training of several seconds. The same
   * data and options give the same model as `fit`.
   */
  static async fitAsync(
    X: Dataset,
    y: Uint8Array | ArrayLike<number>,
    nClasses: number,
    options: BoostingOptions = {},
  ): Promise<GradientBoosting> {
    const rounds = GradientBoosting.rounds(X, y, nClasses, options);
    let since = performance.now();
    for (;;) {
      const step = rounds.next();
      if (step.done) return step.value;
      if (performance.now() - since >= YIELD_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        since = performance.now();
      }
    }
  }

  /** The training, one boosting round per step; the generator returns the model. */
  private static *rounds(
    X: Dataset,
    y: Uint8Array | ArrayLike<number>,
    nClasses: number,
    options: BoostingOptions,
  ): Generator<void, GradientBoosting, void> {
    assertDataset(X, 'X');
    if (!Number.isInteger(nClasses) || nClasses < 2 || nClasses > 256) {
      throw new InvalidArgumentError(`nClasses must be an integer in [2, 256], got ${String(nClasses)}`);
    }
    const labels = checkLabels(y, X.nRows, nClasses);
    if (X.nRows === 0) throw new InvalidArgumentError('X has no rows: cannot train on nothing');
    if (X.nFeatures === 0) throw new InvalidArgumentError('X has no features: cannot train on nothing');
    const params = resolveParams(options, (message) => new InvalidArgumentError(message));
    const { onProgress, signal } = options;
    if (onProgress !== undefined && typeof onProgress !== 'function') {
      throw new InvalidArgumentError(`onProgress must be a function, got ${typeof onProgress}`);
    }
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new InvalidArgumentError('signal must be an AbortSignal');
    }
    signal?.throwIfAborted();

    const { nRows, nFeatures } = X;
    const K = nClasses;
    const edges = fitBinEdges(X, params.maxBins);
    const bins = binDataset(X, edges);
    const weights = new Float64Array(nRows).fill(1);
    if (params.classWeight === 'balanced') {
      const classWeights = balancedClassWeights(labels, K);
      for (let r = 0; r < nRows; r++) weights[r] = classWeights[labels[r]!]!;
    }
    const baseline = baselineScores(labels, weights, K);
    const raw = new Float64Array(nRows * K);
    for (let r = 0; r < nRows; r++) raw.set(baseline, r * K);
    // Gradients and hessians of all classes, row-major: gh[2 (r K + k)] and
    // the next slot. A histogram pass reads a row's values with one cache line;
    // float32 like sklearn's.
    const gh = new Float32Array(2 * K * nRows);
    const grower = new HistogramTreeGrower(bins, nRows, nFeatures, edges, params, gh, K);
    const sink = new TreeSink();
    const total = params.iterations;
    for (let round = 0; round < total; round++) {
      signal?.throwIfAborted();
      softmaxGradients(raw, labels, weights, K, gh);
      grower.buildRootHistograms();
      for (let k = 0; k < K; k++) grower.grow(k, raw, sink);
      onProgress?.(round + 1, total);
      yield;
    }
    return new GradientBoosting({
      nClasses: K,
      nFeatures,
      featureNames: X.featureNames ? [...X.featureNames] : undefined,
      params,
      baseline,
      ...sink.finish(),
    });
  }

  /**
   * Class probabilities of one row (`nFeatures` values, NaN = missing): the
   * softmax of the baseline plus every tree's leaf value, per class.
   * @param out optional buffer of at least nClasses values to write into (no allocation)
   */
  predictProba(row: Float64Array | readonly number[], out?: Float64Array): Float64Array {
    const result = rowOutput(row, this.nFeatures, this.nClasses, out);
    this.predictor.rawScores(row, 0, result, 0);
    softmaxInPlace(result, 0, this.nClasses);
    return result;
  }

  /** Class probabilities of every row of `X`: nRows * nClasses values, row-major. */
  predictProbaBatch(X: Dataset): Float64Array {
    const K = this.nClasses;
    return scoreRows(
      X,
      this.nFeatures,
      K,
      (data, rowOffset, out, outOffset) => this.predictor.rawScores(data, rowOffset, out, outOffset),
      (out, offset) => softmaxInPlace(out, offset, K),
    );
  }

  /** Index of the most probable class of one row (the lowest index on ties). */
  predict(row: Float64Array | readonly number[]): number {
    return argmaxRow(this.predictProba(row), 0, this.nClasses);
  }

  /** Compact JSON form; `GradientBoosting.fromJSON` restores a model with identical predictions. */
  toJSON(): SerializedBoosting {
    const s = this.state;
    const json: SerializedBoosting = {
      kind: BOOSTING_KIND,
      formatVersion: BOOSTING_FORMAT_VERSION,
      nClasses: s.nClasses,
      nFeatures: s.nFeatures,
      params: { ...s.params },
      encoding: 'deflate-raw-base64',
      arrays: {
        baseline: encodeArray(s.baseline),
        nodeOffsets: encodeArray(s.nodeOffsets),
        feature: encodeArray(s.feature),
        threshold: encodeArray(s.threshold),
        missingLeft: encodeArray(s.missingLeft),
        right: encodeArray(s.right),
        values: encodeArray(s.values),
      },
    };
    if (s.featureNames) json.featureNames = [...s.featureNames];
    return json;
  }

  /**
   * Restores a model from `toJSON()` output (parsed JSON). Throws
   * BundleFormatError, naming the field, for another kind or format version,
   * bad header fields or params, and arrays that are corrupt, of the wrong
   * length or not a valid tree, so a loaded model can never loop or read out
   * of bounds.
   */
  static fromJSON(json: unknown): GradientBoosting {
    return new GradientBoosting(decodeState(json));
  }
}

/** Trees walked side by side by `walkLanes` (as many as it has variables for). */
const LANES = 8;
/** Comparison id of a leaf: its outcome is always 0, the word's offset leads to the next tree. */
const LEAF_ID = 0;
/** Comparison id of the node ending a lane: outcome 0 and offset 0, so a finished lane stays put. */
const END_ID = 1;
/** Comparison ids of splits start here: FIRST_CUT_ID + 2 * (cut index) + missingLeft. */
const FIRST_CUT_ID = 2;
/**
 * Low bits of a packed node holding its offset: trees of up to 4095 nodes
 * (maxLeafNodes up to 2048). A constant, because shifts by a constant are
 * cheaper in the walk's inner loop.
 */
const OFFSET_BITS = 12;
const OFFSET_MASK = (1 << OFFSET_BITS) - 1;
/** Packed comparison ids must stay below this (the word is a positive int32). */
const MAX_IDS = 1 << (31 - OFFSET_BITS);

/**
 * The inference form of a model, built once from its arrays. A default model
 * has 2,400 trees and a row visits about 7 nodes in each, so the cost of a
 * visit is everything:
 *
 * - Comparisons are settled per row, not per node. Every split compares a
 *   feature with one of the model's distinct thresholds of that feature (its
 *   "cuts"); one binary search per feature counts the cuts below x[f], and
 *   that count decides every split on f: `bits[id]` = 1 when the row goes
 *   right at the splits with comparison id `id` (one id per cut and missing
 *   direction). A visit then reads one byte instead of a value and a threshold.
 * - A node is one int32, `id << OFFSET_BITS | offset`: the offset leads to its left
 *   child, the right child being next to it. A leaf's offset leads to the next
 *   tree's root. Four bytes a node keep the trees' hot top levels in cache;
 *   each tree is laid out breadth-first, so those levels share cache lines.
 * - The trees are cut into LANES sequences walked in lockstep with no branch
 *   on the data (`walkLanes`): eight independent chains of loads are always in
 *   flight, and a lane reaching a leaf logs it and goes on with its next tree.
 *
 * A model too large for the packing (trees over 4095 nodes, or over 2^18
 * distinct thresholds) is walked one tree at a time on its stored arrays
 * instead.
 */
class Predictor {
  private readonly nClasses: number;
  private readonly nFeatures: number;
  private readonly nTrees: number;
  private readonly baseline: Float64Array;
  /** Distinct thresholds of feature f, ascending: cuts[cutStart[f] .. cutStart[f + 1]). */
  private readonly cuts: Float64Array;
  private readonly cutStart: Int32Array;
  /** Outcome of each comparison id for the row being predicted (1 = right). */
  private readonly bits: Uint8Array;
  /** 1, 0, 1, 0, ...: the outcomes for a missing value (right unless missingLeft). */
  private readonly missingBits: Uint8Array;
  /** Packed nodes, or null when the model does not fit the packing. */
  private readonly words: Int32Array | null;
  /** First node of each lane. */
  private readonly starts: Int32Array;
  /** Value and class of the leaf at each packed position. */
  private readonly leafValue: Float64Array;
  private readonly leafClass: Uint8Array;
  /** The leaves reached by the row, in the order reached. */
  private readonly log: Int32Array;
  /** Scratch of `rawScores`. */
  private readonly sums: Float64Array;
  /** For the one-tree-at-a-time walk: the stored arrays, and each leaf's index in `values`. */
  private readonly state: BoostingState;
  private readonly leafIndex: Int32Array | null = null;

  constructor(s: BoostingState) {
    const K = s.nClasses;
    const F = s.nFeatures;
    const nTrees = s.nodeOffsets.length - 1;
    const nNodes = s.feature.length;
    this.nClasses = K;
    this.nFeatures = F;
    this.nTrees = nTrees;
    this.baseline = s.baseline;
    this.state = s;

    // Cuts: the distinct thresholds of each feature.
    const count = new Int32Array(F + 1);
    for (let i = 0; i < nNodes; i++) if (s.feature[i]! >= 0) count[s.feature[i]! + 1]!++;
    for (let f = 0; f < F; f++) count[f + 1]! += count[f]!;
    const all = new Float64Array(count[F]!);
    const fill = count.slice(0, F);
    for (let i = 0; i < nNodes; i++) if (s.feature[i]! >= 0) all[fill[s.feature[i]!]!++] = s.threshold[i]!;
    this.cutStart = new Int32Array(F + 1);
    let nCuts = 0;
    let widest = 0;
    for (let f = 0; f < F; f++) {
      const sorted = all.subarray(count[f]!, count[f + 1]!).sort();
      this.cutStart[f] = nCuts;
      for (let j = 0; j < sorted.length; j++) {
        if (j === 0 || sorted[j]! !== sorted[j - 1]!) all[nCuts++] = sorted[j]!;
      }
      widest = Math.max(widest, nCuts - this.cutStart[f]!);
    }
    this.cutStart[F] = nCuts;
    this.cuts = all.slice(0, nCuts);
    const nIds = FIRST_CUT_ID + 2 * nCuts;
    this.bits = new Uint8Array(nIds);
    this.missingBits = new Uint8Array(2 * widest);
    for (let j = 0; j < widest; j++) this.missingBits[2 * j] = 1;
    this.log = new Int32Array(nTrees + 1);

    // Lanes: equal runs of trees taken class by class, so that a lane's trees
    // and the positions of all trees of a class are contiguous.
    const order = new Int32Array(nTrees);
    for (let k = 0, j = 0; k < K; k++) for (let t = k; t < nTrees; t += K) order[j++] = t;
    const perLane = Math.ceil(nTrees / LANES);
    const total = nNodes + LANES;
    const position = new Int32Array(nNodes);
    const queue = new Int32Array(nNodes);
    const rootPosition = new Int32Array(nTrees);
    const laneEnd = new Int32Array(LANES);
    this.starts = new Int32Array(LANES);
    let next = 0;
    let maxOffset = 0;
    for (let lane = 0; lane < LANES; lane++) {
      this.starts[lane] = next;
      for (let j = lane * perLane; j < Math.min((lane + 1) * perLane, nTrees); j++) {
        // Breadth-first: the two children of a node get consecutive positions.
        const root = s.nodeOffsets[order[j]!]!;
        const first = next;
        rootPosition[j] = next;
        position[root] = next++;
        let head = 0;
        let tail = 0;
        queue[tail++] = root;
        while (head < tail) {
          const node = queue[head++]!;
          if (s.feature[node]! < 0) continue;
          const r = s.right[node]!;
          position[node + 1] = next++;
          position[r] = next++;
          queue[tail++] = node + 1;
          queue[tail++] = r;
        }
        // The farthest jump of a tree is at most its size (to the next tree's root).
        maxOffset = Math.max(maxOffset, next - first);
      }
      laneEnd[lane] = next++;
    }
    this.sums = new Float64Array(4 * K);
    if (maxOffset > OFFSET_MASK || nIds > MAX_IDS) {
      this.words = null;
      this.leafValue = new Float64Array(0);
      this.leafClass = new Uint8Array(0);
      const leafIndex = new Int32Array(nNodes);
      for (let i = 0, k = 0; i < nNodes; i++) if (s.feature[i]! < 0) leafIndex[i] = k++;
      this.leafIndex = leafIndex;
      return;
    }
    // Leaves are numbered in node order: the first leaf of each tree.
    const firstLeaf = new Int32Array(nTrees);
    for (let t = 0, leaves = 0; t < nTrees; t++) {
      firstLeaf[t] = leaves;
      for (let i = s.nodeOffsets[t]!; i < s.nodeOffsets[t + 1]!; i++) if (s.feature[i]! < 0) leaves++;
    }
    const words = new Int32Array(total);
    this.leafValue = new Float64Array(total);
    this.leafClass = new Uint8Array(total);
    for (let lane = 0; lane < LANES; lane++) {
      const end = Math.min((lane + 1) * perLane, nTrees);
      for (let j = lane * perLane; j < end; j++) {
        const t = order[j]!;
        const nextRoot = j + 1 < end ? rootPosition[j + 1]! : laneEnd[lane]!;
        for (let node = s.nodeOffsets[t]!, leaf = firstLeaf[t]!; node < s.nodeOffsets[t + 1]!; node++) {
          const p = position[node]!;
          const f = s.feature[node]!;
          if (f >= 0) {
            const id =
              FIRST_CUT_ID +
              2 * lowerBound(this.cuts, this.cutStart[f]!, this.cutStart[f + 1]!, s.threshold[node]!) +
              s.missingLeft[node]!;
            words[p] = (id << OFFSET_BITS) | (position[node + 1]! - p);
          } else {
            words[p] = (LEAF_ID << OFFSET_BITS) | (nextRoot - p);
            this.leafValue[p] = s.values[leaf++]!;
            this.leafClass[p] = t % K;
          }
        }
      }
      words[laneEnd[lane]!] = END_ID << OFFSET_BITS;
    }
    this.words = words;
  }

  /** Writes the raw scores (baseline plus every tree's leaf value) of the row at `x[base ..]` into `out[outBase ..]`. */
  rawScores(x: ArrayLike<number>, base: number, out: Float64Array, outBase: number): void {
    const K = this.nClasses;
    for (let k = 0; k < K; k++) out[outBase + k] = this.baseline[k]!;
    const words = this.words;
    if (words === null) {
      this.walkEach(x, base, out, outBase);
      return;
    }
    this.settleComparisons(x, base);
    const n = walkLanes(words, this.bits, this.log, this.starts, this.nTrees);
    // Four partial sums per class, taken in turn: one sum would make every
    // addition wait for the previous one.
    const sums = this.sums;
    sums.fill(0);
    const log = this.log;
    const leafValue = this.leafValue;
    const leafClass = this.leafClass;
    for (let j = 0; j < n; j++) {
      const p = log[j]!;
      sums[(j & 3) * K + leafClass[p]!]! += leafValue[p]!;
    }
    for (let k = 0; k < K; k++) {
      out[outBase + k]! += sums[k]! + sums[K + k]! + sums[2 * K + k]! + sums[3 * K + k]!;
    }
  }

  /** Fills `bits` for the row at `x[base ..]`: one binary search among each feature's cuts. */
  private settleComparisons(x: ArrayLike<number>, base: number): void {
    const bits = this.bits;
    const cuts = this.cuts;
    const cutStart = this.cutStart;
    for (let f = 0; f < this.nFeatures; f++) {
      const lo = cutStart[f]!;
      const hi = cutStart[f + 1]!;
      if (lo === hi) continue;
      const first = FIRST_CUT_ID + 2 * lo;
      const end = FIRST_CUT_ID + 2 * hi;
      const v = x[base + f]!;
      if (v !== v) {
        bits.set(this.missingBits.subarray(0, end - first), first);
      } else {
        // The row goes right at every cut below v: x <= cut goes left.
        const middle = FIRST_CUT_ID + 2 * lowerBound(cuts, lo, hi, v);
        bits.fill(1, first, middle);
        bits.fill(0, middle, end);
      }
    }
  }

  /** The plain walk, one tree at a time on the stored pre-order arrays (models too large to pack). */
  private walkEach(x: ArrayLike<number>, base: number, out: Float64Array, outBase: number): void {
    const s = this.state;
    const leafIndex = this.leafIndex!;
    const K = this.nClasses;
    for (let t = 0; t < this.nTrees; t++) {
      let i = s.nodeOffsets[t]!;
      let f = s.feature[i]!;
      while (f >= 0) {
        const v = x[base + f]!;
        i = v <= s.threshold[i]! || (v !== v && s.missingLeft[i] === 1) ? i + 1 : s.right[i]!;
        f = s.feature[i]!;
      }
      out[outBase + (t % K)]! += s.values[leafIndex[i]!]!;
    }
  }
}

/** First index in [lo, hi) of ascending `a` whose value is >= v (hi if none). */
function lowerBound(a: Float64Array, lo: number, hi: number, v: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Walks the packed trees of every lane to their leaves, logging each leaf's
 * position in `log`; returns the number of leaves (= trees). Each step reads
 * a node word and one outcome byte and moves by arithmetic, never by a branch
 * on the data: a leaf's outcome is 0 and its offset leads to the lane's next
 * tree, and a lane's end node loops on itself until the others finish.
 * Eight lanes in plain variables: the chains are independent, so the
 * processor overlaps their memory accesses.
 */
function walkLanes(
  words: Int32Array,
  bits: Uint8Array,
  log: Int32Array,
  starts: Int32Array,
  nTrees: number,
): number {
  // Words below this have comparison id 0: leaves.
  const leafLimit = 1 << OFFSET_BITS;
  let i0 = starts[0]!;
  let i1 = starts[1]!;
  let i2 = starts[2]!;
  let i3 = starts[3]!;
  let i4 = starts[4]!;
  let i5 = starts[5]!;
  let i6 = starts[6]!;
  let i7 = starts[7]!;
  let n = 0;
  let w = 0;
  while (n < nTrees) {
    w = words[i0]!;
    log[n] = i0;
    n += +(w < leafLimit);
    i0 += (w & OFFSET_MASK) + bits[w >> OFFSET_BITS]!;
    w = words[i1]!;
    log[n] = i1;
    n += +(w < leafLimit);
    i1 += (w & OFFSET_MASK) + bits[w >> OFFSET_BITS]!;
    w = words[i2]!;
    log[n] = i2;
    n += +(w < leafLimit);
    i2 += (w & OFFSET_MASK) + bits[w >> OFFSET_BITS]!;
    w = words[i3]!;
    log[n] = i3;
    n += +(w < leafLimit);
    i3 += (w & OFFSET_MASK) + bits[w >> OFFSET_BITS]!;
    w = words[i4]!;
    log[n] = i4;
    n += +(w < leafLimit);
    i4 += (w & OFFSET_MASK) + bits[w >> OFFSET_BITS]!;
    w = words[i5]!;
    log[n] = i5;
    n += +(w < leafLimit);
    i5 += (w & OFFSET_MASK) + bits[w >> OFFSET_BITS]!;
    w = words[i6]!;
    log[n] = i6;
    n += +(w < leafLimit);
    i6 += (w & OFFSET_MASK) + bits[w >> OFFSET_BITS]!;
    w = words[i7]!;
    log[n] = i7;
    n += +(w < leafLimit);
    i7 += (w & OFFSET_MASK) + bits[w >> OFFSET_BITS]!;
  }
  return n;
}
/** Softmax of `a[start .. start + n)` in place, shifted by the maximum so exp cannot overflow. */
function softmaxInPlace(a: Float64Array, start: number, n: number): void {
  let max = -Infinity;
  for (let k = 0; k < n; k++) if (a[start + k]! > max) max = a[start + k]!;
  let sum = 0;
  for (let k = 0; k < n; k++) {
    const e = Math.exp(a[start + k]! - max);
    a[start + k] = e;
    sum += e;
  }
  for (let k = 0; k < n; k++) a[start + k]! /= sum;
}

/**
 * Raw scores of the constant model: log of each class's weighted share,
 * clipped away from 0 and 1, minus their mean (sklearn's symmetric
 * multinomial link; the shift does not change any probability).
 */
function baselineScores(labels: Uint8Array, weights: Float64Array, K: number): Float64Array {
  const share = new Float64Array(K);
  let total = 0;
  for (let r = 0; r < labels.length; r++) {
    share[labels[r]!]! += weights[r]!;
    total += weights[r]!;
  }
  const eps = Number.EPSILON;
  let mean = 0;
  for (let k = 0; k < K; k++) {
    share[k] = Math.log(Math.min(Math.max(share[k]! / total, eps), 1 - eps));
    mean += share[k]!;
  }
  mean /= K;
  for (let k = 0; k < K; k++) share[k]! -= mean;
  return share;
}

/** gh[2 (r K + k)] = w (p_k - [y = k]), gh[2 (r K + k) + 1] = w p_k (1 - p_k), clipped >= MIN_ROW_HESSIAN. */
function softmaxGradients(
  raw: Float64Array,
  labels: Uint8Array,
  weights: Float64Array,
  K: number,
  gh: Float32Array,
): void {
  const p = new Float64Array(K);
  const n = labels.length;
  for (let r = 0; r < n; r++) {
    const base = r * K;
    let max = -Infinity;
    for (let k = 0; k < K; k++) if (raw[base + k]! > max) max = raw[base + k]!;
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp(raw[base + k]! - max);
      p[k] = e;
      sum += e;
    }
    const w = weights[r]!;
    const y = labels[r]!;
    for (let k = 0; k < K; k++) {
      const pk = p[k]! / sum;
      gh[2 * (base + k)] = (pk - (y === k ? 1 : 0)) * w;
      gh[2 * (base + k) + 1] = Math.max(pk * (1 - pk) * w, MIN_ROW_HESSIAN);
    }
  }
}

/**
 * Grows the regression trees of one training, reusing every buffer: node
 * records, the row partition, histograms and the split heap are allocated
 * once per training, not per tree.
 */
class HistogramTreeGrower {
  /** Row-major bins (binning.ts): a histogram pass reads all features of a row from one or two cache lines. */
  private readonly bins: Uint8Array;
  private readonly nRows: number;
  private readonly nFeatures: number;
  private readonly edges: BinEdges;
  private readonly learningRate: number;
  private readonly maxLeafNodes: number;
  /** Infinity when unbounded. */
  private readonly maxDepth: number;
  private readonly minSamplesLeaf: number;
  private readonly lambda: number;
  /** Bins of each feature, the missing bin included. */
  private readonly nBins: Int32Array;
  /** 3 * (first histogram bin of each feature): histograms hold (sum g, sum h, count) per bin. */
  private readonly histStart: Int32Array;
  private readonly histLength: number;
  /** 1 when the feature had a missing value in training: only then are both directions tried. */
  private readonly hasMissing: Uint8Array;
  /** See `fit`: 2 values per row and class. */
  private readonly gh: Float32Array;
  private readonly nClasses: number;
  /** All rows grouped by global bin (feature f's bin b is histStart[f] / 3 + b), rows ascending in a group. */
  private readonly rootOrder: Uint32Array;
  private readonly rootGroupStart: Int32Array;
  /** This round's root histogram of each class. */
  private readonly rootHist: Int32Array;

  /** Rows of each node are [nodeStart, nodeEnd) of this array; a split partitions its range in place. */
  private readonly rows: Uint32Array;
  private readonly scratch: Uint32Array;
  private readonly hists: Float64Array[] = [];
  private readonly freeHists: number[] = [];
  private readonly heap: Int32Array;
  private heapSize = 0;
  private nNodes = 0;
  private nLeaves = 0;

  // One record per node of the tree being grown.
  private readonly nodeStart: Int32Array;
  private readonly nodeEnd: Int32Array;
  private readonly nodeDepth: Int32Array;
  private readonly nodeG: Float64Array;
  private readonly nodeH: Float64Array;
  /** Unshrunk value -G / (H + lambda), 0 at the root as in sklearn (it only offsets the root's gains). */
  private readonly nodeValue: Float64Array;
  private readonly nodeHist: Int32Array;
  private readonly nodeLeft: Int32Array;
  private readonly nodeRight: Int32Array;
  // The best split of a node, found when it becomes splittable.
  private readonly splitFeature: Int32Array;
  private readonly splitBin: Int32Array;
  private readonly splitMissingLeft: Uint8Array;
  private readonly splitGain: Float64Array;
  private readonly splitG: Float64Array;
  private readonly splitH: Float64Array;
  private readonly splitCount: Int32Array;
  private readonly splitThreshold: Float64Array;
  private readonly stack: Int32Array;

  constructor(
    bins: Uint8Array,
    nRows: number,
    nFeatures: number,
    edges: BinEdges,
    params: BoostingParams,
    gh: Float32Array,
    nClasses: number,
  ) {
    this.bins = bins;
    this.gh = gh;
    this.nClasses = nClasses;
    this.nRows = nRows;
    this.nFeatures = nFeatures;
    this.edges = edges;
    this.learningRate = params.learningRate;
    this.maxLeafNodes = params.maxLeafNodes;
    this.maxDepth = params.maxDepth ?? Infinity;
    this.minSamplesLeaf = params.minSamplesLeaf;
    this.lambda = params.l2Regularization;
    this.nBins = new Int32Array(nFeatures);
    this.histStart = new Int32Array(nFeatures);
    let total = 0;
    for (let f = 0; f < nFeatures; f++) {
      this.nBins[f] = binCount(edges, f);
      this.histStart[f] = 3 * total;
      total += this.nBins[f]!;
    }
    this.histLength = 3 * total;
    this.hasMissing = new Uint8Array(nFeatures);
    // Counting sort of (row, feature) cells by global bin: rootOrder lists
    // the rows of global bin t at [rootGroupStart[t], rootGroupStart[t + 1]).
    this.rootGroupStart = new Int32Array(total + 1);
    for (let i = 0; i < bins.length; i++) {
      const f = i % nFeatures;
      if (bins[i] === 0) this.hasMissing[f] = 1;
      this.rootGroupStart[this.histStart[f]! / 3 + bins[i]! + 1]!++;
    }
    for (let t = 0; t < total; t++) this.rootGroupStart[t + 1]! += this.rootGroupStart[t]!;
    this.rootOrder = new Uint32Array(bins.length);
    const fill = this.rootGroupStart.slice(0, total);
    for (let r = 0, i = 0; r < nRows; r++) {
      for (let f = 0; f < nFeatures; f++, i++) this.rootOrder[fill[this.histStart[f]! / 3 + bins[i]!]!++] = r;
    }
    this.rootHist = new Int32Array(nClasses).fill(-1);

    this.rows = new Uint32Array(nRows);
    this.scratch = new Uint32Array(nRows);
    // Every leaf has >= minSamplesLeaf rows, so a tree cannot have more leaves than this.
    const maxLeaves = Math.max(1, Math.min(params.maxLeafNodes, Math.floor(nRows / params.minSamplesLeaf)));
    const maxNodes = 2 * maxLeaves - 1;
    this.heap = new Int32Array(maxNodes);
    this.stack = new Int32Array(maxNodes);
    this.nodeStart = new Int32Array(maxNodes);
    this.nodeEnd = new Int32Array(maxNodes);
    this.nodeDepth = new Int32Array(maxNodes);
    this.nodeG = new Float64Array(maxNodes);
    this.nodeH = new Float64Array(maxNodes);
    this.nodeValue = new Float64Array(maxNodes);
    this.nodeHist = new Int32Array(maxNodes);
    this.nodeLeft = new Int32Array(maxNodes);
    this.nodeRight = new Int32Array(maxNodes);
    this.splitFeature = new Int32Array(maxNodes);
    this.splitBin = new Int32Array(maxNodes);
    this.splitMissingLeft = new Uint8Array(maxNodes);
    this.splitGain = new Float64Array(maxNodes);
    this.splitG = new Float64Array(maxNodes);
    this.splitH = new Float64Array(maxNodes);
    this.splitCount = new Int32Array(maxNodes);
    this.splitThreshold = new Float64Array(maxNodes);
  }

  /**
   * Grows the tree of class `k` on the gradients and hessians `gh`, appends it
   * to `sink`, and adds its leaf values to `raw[r * K + k]` of the rows in
   * each leaf (the training rows' predictions, without walking the tree).
   */
  grow(k: number, raw: Float64Array, sink: TreeSink): void {
    const n = this.nRows;
    this.heapSize = 0;
    this.nNodes = 0;
    this.nLeaves = 0;
    const rows = this.rows;
    for (let r = 0; r < n; r++) rows[r] = r;
    const root = this.newNode(0, n, 0);
    const hist = this.rootHist[k]!;
    this.rootHist[k] = -1;
    this.nodeHist[root] = hist;
    // The root's sums are those of any one feature's histogram (sklearn takes feature 0).
    const h0 = this.hists[hist]!;
    let G = 0;
    let H = 0;
    for (let j = 0, end = 3 * this.nBins[0]!; j < end; j += 3) {
      G += h0[j]!;
      H += h0[j + 1]!;
    }
    this.nodeG[root] = G;
    this.nodeH[root] = H;
    this.nodeValue[root] = 0;
    if (n < 2 * this.minSamplesLeaf || H < MIN_HESSIAN) this.finalize(root);
    else this.findSplitAndPush(root);
    while (this.heapSize > 0) this.splitNext(k);
    this.emit(raw, k, sink);
  }

  /**
   * The root histograms of all classes for this round's gradients. The root
   * holds every row, so its histograms are sums over fixed groups of rows
   * (`rootOrder`): a gather into registers, three classes per pass, instead
   * of a scatter into memory, and the counts are copied, not summed. Rows are
   * summed in ascending order, as a scatter would.
   */
  buildRootHistograms(): void {
    const K = this.nClasses;
    const C = 2 * K;
    const gh = this.gh;
    const order = this.rootOrder;
    const groupStart = this.rootGroupStart;
    const nGroups = groupStart.length - 1;
    for (let k = 0; k < K; k++) {
      if (this.rootHist[k]! >= 0) this.freeHists.push(this.rootHist[k]!);
      this.rootHist[k] = this.acquireHist();
    }
    for (let k0 = 0; k0 < K; k0 += 3) {
      // Classes k0..k0+2; past the last class, the last one is summed again and dropped.
      const o0 = 2 * k0;
      const o1 = 2 * Math.min(k0 + 1, K - 1);
      const o2 = 2 * Math.min(k0 + 2, K - 1);
      const h0 = this.hists[this.rootHist[k0]!]!;
      const h1 = this.hists[this.rootHist[Math.min(k0 + 1, K - 1)]!]!;
      const h2 = this.hists[this.rootHist[Math.min(k0 + 2, K - 1)]!]!;
      for (let t = 0; t < nGroups; t++) {
        let g0 = 0;
        let s0 = 0;
        let g1 = 0;
        let s1 = 0;
        let g2 = 0;
        let s2 = 0;
        const end = groupStart[t + 1]!;
        for (let i = groupStart[t]!; i < end; i++) {
          const base = order[i]! * C;
          g0 += gh[base + o0]!;
          s0 += gh[base + o0 + 1]!;
          g1 += gh[base + o1]!;
          s1 += gh[base + o1 + 1]!;
          g2 += gh[base + o2]!;
          s2 += gh[base + o2 + 1]!;
        }
        const count = end - groupStart[t]!;
        // A repeated class (past the last one) gets the same sums again.
        h2[3 * t] = g2;
        h2[3 * t + 1] = s2;
        h2[3 * t + 2] = count;
        h1[3 * t] = g1;
        h1[3 * t + 1] = s1;
        h1[3 * t + 2] = count;
        h0[3 * t] = g0;
        h0[3 * t + 1] = s0;
        h0[3 * t + 2] = count;
      }
    }
  }

  private newNode(start: number, end: number, depth: number): number {
    const id = this.nNodes++;
    this.nodeStart[id] = start;
    this.nodeEnd[id] = end;
    this.nodeDepth[id] = depth;
    this.nodeHist[id] = -1;
    this.nodeLeft[id] = -1;
    this.nodeRight[id] = -1;
    return id;
  }

  private acquireHist(): number {
    const free = this.freeHists.pop();
    if (free !== undefined) return free;
    this.hists.push(new Float64Array(this.histLength));
    return this.hists.length - 1;
  }

  private releaseHist(node: number): void {
    const id = this.nodeHist[node]!;
    if (id >= 0) {
      this.freeHists.push(id);
      this.nodeHist[node] = -1;
    }
  }

  private finalize(node: number): void {
    this.nLeaves++;
    this.releaseHist(node);
  }

  /** (sum g, sum h, count) per bin of every feature over rows[start, end), into `hist` (overwritten). */
  private buildHistogram(hist: Float64Array, start: number, end: number, k: number): void {
    hist.fill(0);
    const gh = this.gh;
    const C = 2 * this.nClasses;
    const rows = this.rows;
    const bins = this.bins;
    const F = this.nFeatures;
    const histStart = this.histStart;
    for (let i = start; i < end; i++) {
      const r = rows[i]!;
      const g = gh[r * C + 2 * k]!;
      const h = gh[r * C + 2 * k + 1]!;
      const rowStart = r * F;
      for (let f = 0; f < F; f++) {
        const j = histStart[f]! + 3 * bins[rowStart + f]!;
        hist[j]! += g;
        hist[j + 1]! += h;
        hist[j + 2]! += 1;
      }
    }
  }

  /**
   * Finds the node's best split over every feature and bin and pushes the node
   * on the heap, or makes it a leaf when no split is valid. As in sklearn: a
   * split needs >= minSamplesLeaf rows and >= MIN_HESSIAN hessian on each
   * side and a positive gain; the first best wins ties (features in order, for
   * each feature missing-right scanning up, then missing-left scanning down).
   */
  private findSplitAndPush(node: number): void {
    const hist = this.hists[this.nodeHist[node]!]!;
    const N = this.nodeEnd[node]! - this.nodeStart[node]!;
    const G = this.nodeG[node]!;
    const H = this.nodeH[node]!;
    const lambda = this.lambda + EPS_DENOMINATOR;
    const minLeaf = this.minSamplesLeaf;
    // sklearn's gain: loss(node) - loss(left) - loss(right) with loss = G * value.
    const lossNode = G * this.nodeValue[node]!;
    let bestGain = -1;
    let bestFeature = -1;
    let bestBin = 0;
    let bestMissingLeft = 0;
    let bestG = 0;
    let bestH = 0;
    let bestCount = 0;
    for (let f = 0; f < this.nFeatures; f++) {
      const base = this.histStart[f]!;
      const nb = this.nBins[f]!;
      const missing = this.hasMissing[f]!;
      // Missing values right: left = value bins 1..b. Without missing values
      // the last bin cannot go left (the right child would be empty). An empty
      // bin changes no sum, so it cannot beat the previous bin and is skipped.
      let gL = 0;
      let hL = 0;
      let nL = 0;
      for (let b = 1, last = nb - 2 + missing; b <= last; b++) {
        const j = base + 3 * b;
        const c = hist[j + 2]!;
        if (c === 0) continue;
        nL += c;
        gL += hist[j]!;
        hL += hist[j + 1]!;
        if (nL < minLeaf) continue;
        if (N - nL < minLeaf) break;
        if (hL < MIN_HESSIAN) continue;
        const hR = H - hL;
        if (hR < MIN_HESSIAN) break;
        const gR = G - gL;
        let gain = lossNode;
        gain -= gL * (-gL / (hL + lambda));
        gain -= gR * (-gR / (hR + lambda));
        if (gain > bestGain && gain > 0) {
          bestGain = gain;
          bestFeature = f;
          bestBin = b;
          bestMissingLeft = 0;
          bestG = gL;
          bestH = hL;
          bestCount = nL;
        }
      }
      if (missing === 0) continue;
      // Missing values left: right = value bins b+1..nb-1, scanning down.
      let gR = 0;
      let hR = 0;
      let nR = 0;
      for (let b = nb - 2; b >= 1; b--) {
        const j = base + 3 * (b + 1);
        const c = hist[j + 2]!;
        if (c === 0) continue;
        nR += c;
        gR += hist[j]!;
        hR += hist[j + 1]!;
        if (nR < minLeaf) continue;
        if (N - nR < minLeaf) break;
        if (hR < MIN_HESSIAN) continue;
        const hLeft = H - hR;
        if (hLeft < MIN_HESSIAN) break;
        const gLeft = G - gR;
        let gain = lossNode;
        gain -= gLeft * (-gLeft / (hLeft + lambda));
        gain -= gR * (-gR / (hR + lambda));
        if (gain > bestGain && gain > 0) {
          bestGain = gain;
          bestFeature = f;
          bestBin = b;
          bestMissingLeft = 1;
          bestG = gLeft;
          bestH = hLeft;
          bestCount = N - nR;
        }
      }
    }
    if (bestFeature < 0) {
      this.finalize(node);
      return;
    }
    this.splitFeature[node] = bestFeature;
    this.splitBin[node] = bestBin;
    this.splitMissingLeft[node] = bestMissingLeft;
    this.splitGain[node] = bestGain;
    this.splitG[node] = bestG;
    this.splitH[node] = bestH;
    this.splitCount[node] = bestCount;
    this.heapPush(node);
  }

  /** Splits the splittable node of highest gain (sklearn's `split_next`). */
  private splitNext(k: number): void {
    const node = this.heapPop();
    const f = this.splitFeature[node]!;
    const b = this.splitBin[node]!;
    const hist = this.hists[this.nodeHist[node]!]!;
    this.splitThreshold[node] = this.threshold(hist, f, b);

    // Stable partition of the node's rows: left ones compacted in place, right ones after them.
    const start = this.nodeStart[node]!;
    const end = this.nodeEnd[node]!;
    const rows = this.rows;
    const scratch = this.scratch;
    const bins = this.bins;
    const F = this.nFeatures;
    const missingLeft = this.splitMissingLeft[node]!;
    let w = start;
    let s = 0;
    // Branch-free: which side a row goes to is unpredictable. Bin 0 (missing)
    // is <= b and goes left only with missingLeft.
    for (let i = start; i < end; i++) {
      const r = rows[i]!;
      const bin = bins[r * F + f]!;
      const left = +(bin <= b) & (+(bin !== 0) | missingLeft);
      rows[w] = r;
      scratch[s] = r;
      w += left;
      s += left ^ 1;
    }
    rows.set(scratch.subarray(0, s), w);
    const nL = w - start;
    const nR = end - w;

    const depth = this.nodeDepth[node]! + 1;
    const leavesAfter = this.nLeaves + this.heapSize + 2;
    const left = this.newNode(start, w, depth);
    const right = this.newNode(w, end, depth);
    this.nodeLeft[node] = left;
    this.nodeRight[node] = right;
    const G = this.nodeG[node]!;
    const H = this.nodeH[node]!;
    const gL = this.splitG[node]!;
    const hL = this.splitH[node]!;
    const lambda = this.lambda + EPS_DENOMINATOR;
    this.nodeG[left] = gL;
    this.nodeH[left] = hL;
    this.nodeValue[left] = -gL / (hL + lambda);
    this.nodeG[right] = G - gL;
    this.nodeH[right] = H - hL;
    this.nodeValue[right] = -(G - gL) / (H - hL + lambda);
    // A NaN at prediction on a feature without missing training values goes where most rows went.
    if (this.hasMissing[f] === 0) this.splitMissingLeft[node] = nL > nR ? 1 : 0;

    if (leavesAfter === this.maxLeafNodes || depth === this.maxDepth) {
      this.finalize(left);
      this.finalize(right);
      if (leavesAfter === this.maxLeafNodes) while (this.heapSize > 0) this.finalize(this.heapPop());
      this.releaseHist(node);
      return;
    }
    const minRows = 2 * this.minSamplesLeaf;
    const splitLeft = nL >= minRows;
    const splitRight = nR >= minRows;
    if (!splitLeft) this.finalize(left);
    if (!splitRight) this.finalize(right);
    if (splitLeft || splitRight) {
      // Histogram the smaller child from its rows; the larger is the parent's minus it, in place.
      const smaller = nL < nR ? left : right;
      const larger = smaller === left ? right : left;
      const small = this.acquireHist();
      const smallHist = this.hists[small]!;
      this.buildHistogram(smallHist, this.nodeStart[smaller]!, this.nodeEnd[smaller]!, k);
      if (larger === left ? splitLeft : splitRight) {
        for (let j = 0, end = hist.length; j < end; j += 3) {
          hist[j]! -= smallHist[j]!;
          hist[j + 1]! -= smallHist[j + 1]!;
          hist[j + 2]! -= smallHist[j + 2]!;
        }
      }
      this.nodeHist[smaller] = small;
      this.nodeHist[larger] = this.nodeHist[node]!;
      this.nodeHist[node] = -1;
      if (splitLeft) this.findSplitAndPush(left);
      else this.releaseHist(left);
      if (splitRight) this.findSplitAndPush(right);
      else this.releaseHist(right);
    } else {
      this.releaseHist(node);
    }
  }

  /**
   * The real threshold of a split "bin <= b" at a node with histogram `hist`:
   * halfway between the highest non-empty bin at or below b and the lowest
   * non-empty bin above it, so it separates the node's rows exactly as the
   * bins did. +Infinity when no value lies above (the split is present vs
   * missing, as in sklearn).
   */
  private threshold(hist: Float64Array, f: number, b: number): number {
    const base = this.histStart[f]!;
    const nb = this.nBins[f]!;
    let high = 0;
    for (let c = b + 1; c < nb; c++) {
      if (hist[base + 3 * c + 2]! > 0) {
        high = c;
        break;
      }
    }
    if (high === 0) return Infinity;
    let low = 0;
    for (let c = b; c >= 1; c--) {
      if (hist[base + 3 * c + 2]! > 0) {
        low = c;
        break;
      }
    }
    // Only missing values on the left: cut just below the lowest value on the right.
    if (low === 0) low = high - 1;
    return thresholdBetween(this.edges, f, low, high);
  }

  /** Max-heap of splittable nodes by gain; ties go to the older node, so growth is deterministic. */
  private before(a: number, b: number): boolean {
    const ga = this.splitGain[a]!;
    const gb = this.splitGain[b]!;
    return ga > gb || (ga === gb && a < b);
  }

  private heapPush(node: number): void {
    const heap = this.heap;
    let i = this.heapSize++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(node, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = node;
  }

  private heapPop(): number {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap[--this.heapSize]!;
    const size = this.heapSize;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && this.before(heap[child + 1]!, heap[child]!)) child++;
      if (!this.before(heap[child]!, last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    if (size > 0) heap[i] = last;
    return top;
  }

  /** Appends the tree in pre-order to `sink` and adds each leaf's value to its rows' raw scores. */
  private emit(raw: Float64Array, k: number, sink: TreeSink): void {
    const K = this.nClasses;
    const stack = this.stack;
    const lambda = this.lambda + EPS_DENOMINATOR;
    const rows = this.rows;
    sink.beginTree(this.nNodes);
    // Pre-order with an explicit stack: a split's right child is pushed under its left.
    let top = 0;
    stack[top++] = 0;
    const rightOf = new Int32Array(this.nNodes).fill(-1);
    while (top > 0) {
      const node = stack[--top]!;
      const position = sink.nNodes;
      const parent = rightOf[node]!;
      if (parent >= 0) sink.right[parent] = position;
      const left = this.nodeLeft[node]!;
      if (left >= 0) {
        sink.pushSplit(this.splitFeature[node]!, this.splitThreshold[node]!, this.splitMissingLeft[node]!);
        const right = this.nodeRight[node]!;
        rightOf[right] = position;
        stack[top++] = right;
        stack[top++] = left;
      } else {
        const value = (-this.nodeG[node]! / (this.nodeH[node]! + lambda)) * this.learningRate;
        sink.pushLeaf(value);
        for (let i = this.nodeStart[node]!, end = this.nodeEnd[node]!; i < end; i++) {
          raw[rows[i]! * K + k]! += value;
        }
      }
    }
  }
}

/** Growable flat arrays receiving trees in order, concatenated with global node indices. */
class TreeSink {
  feature = new Int32Array(1024);
  threshold = new Float64Array(1024);
  missingLeft = new Uint8Array(1024);
  right = new Int32Array(1024);
  values = new Float64Array(512);
  nNodes = 0;
  nValues = 0;
  /** First node of each tree begun so far. */
  private readonly offsets: number[] = [];

  /** Makes room for a tree of `nodes` nodes. */
  beginTree(nodes: number): void {
    this.offsets.push(this.nNodes);
    const need = this.nNodes + nodes;
    if (need > this.feature.length) {
      const size = Math.max(need, 2 * this.feature.length);
      this.feature = grow(this.feature, new Int32Array(size));
      this.threshold = grow(this.threshold, new Float64Array(size));
      this.missingLeft = grow(this.missingLeft, new Uint8Array(size));
      this.right = grow(this.right, new Int32Array(size));
    }
    if (this.nValues + nodes > this.values.length) {
      this.values = grow(
        this.values,
        new Float64Array(Math.max(this.nValues + nodes, 2 * this.values.length)),
      );
    }
  }

  pushSplit(feature: number, threshold: number, missingLeft: number): void {
    const i = this.nNodes++;
    this.feature[i] = feature;
    this.threshold[i] = threshold;
    this.missingLeft[i] = missingLeft;
  }

  pushLeaf(value: number): void {
    const i = this.nNodes++;
    this.feature[i] = -1;
    this.threshold[i] = 0;
    this.missingLeft[i] = 0;
    this.right[i] = -1;
    this.values[this.nValues++] = value;
  }

  finish(): Pick<
    BoostingState,
    'nodeOffsets' | 'feature' | 'threshold' | 'missingLeft' | 'right' | 'values'
  > {
    return {
      nodeOffsets: Int32Array.from([...this.offsets, this.nNodes]),
      feature: this.feature.slice(0, this.nNodes),
      threshold: this.threshold.slice(0, this.nNodes),
      missingLeft: this.missingLeft.slice(0, this.nNodes),
      right: this.right.slice(0, this.nNodes),
      values: this.values.slice(0, this.nValues),
    };
  }
}

function grow<T extends Int32Array | Float64Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/**
 * Options with defaults filled in, each checked; `fail` makes the error (an
 * InvalidArgumentError for `fit`, a BundleFormatError for stored params).
 */
function resolveParams(
  options: BoostingOptions | Partial<BoostingParams>,
  fail: (message: string) => Error,
  prefix = '',
): BoostingParams {
  const integer = (value: unknown, name: string, fallback: number, min: number, max = Infinity): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      const range = max === Infinity ? `>= ${min}` : `in [${min}, ${max}]`;
      throw fail(`${prefix}${name} must be an integer ${range}, got ${String(value)}`);
    }
    return value;
  };
  const real = (value: unknown, name: string, fallback: number, positive: boolean): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (positive && value === 0)) {
      throw fail(
        `${prefix}${name} must be a finite number ${positive ? '> 0' : '>= 0'}, got ${String(value)}`,
      );
    }
    return value;
  };
  let maxDepth: number | null = null;
  if (options.maxDepth !== undefined && options.maxDepth !== null && options.maxDepth !== Infinity) {
    maxDepth = integer(options.maxDepth, 'maxDepth', 0, 1);
  }
  const classWeight = options.classWeight === undefined ? 'balanced' : options.classWeight;
  if (classWeight !== null && classWeight !== 'balanced') {
    throw fail(`${prefix}classWeight must be 'balanced' or null, got ${JSON.stringify(classWeight)}`);
  }
  return {
    iterations: integer(options.iterations, 'iterations', 800, 1),
    learningRate: real(options.learningRate, 'learningRate', 0.03, true),
    maxLeafNodes: integer(options.maxLeafNodes, 'maxLeafNodes', 63, 2),
    maxDepth,
    minSamplesLeaf: integer(options.minSamplesLeaf, 'minSamplesLeaf', 20, 1),
    l2Regularization: real(options.l2Regularization, 'l2Regularization', 1, false),
    classWeight,
    maxBins: integer(options.maxBins, 'maxBins', MAX_BINS, 3, MAX_BINS),
  };
}

const encodeArray = encodeTypedArray;

function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

const PARAM_NAMES: readonly (keyof BoostingParams)[] = [
  'iterations',
  'learningRate',
  'maxLeafNodes',
  'maxDepth',
  'minSamplesLeaf',
  'l2Regularization',
  'classWeight',
  'maxBins',
];

function decodeState(json: unknown): BoostingState {
  const fail = (message: string): BundleFormatError => new BundleFormatError(`boosting JSON: ${message}`);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new BundleFormatError(`boosting JSON must be an object, got ${typeName(json)}`);
  }
  const j = json as Partial<Record<keyof SerializedBoosting, unknown>>;
  if (j.kind !== BOOSTING_KIND) {
    throw new BundleFormatError(
      `not a gradient-boosting model: got kind ${JSON.stringify(j.kind)}, expected "${BOOSTING_KIND}"`,
    );
  }
  if (j.formatVersion !== BOOSTING_FORMAT_VERSION) {
    throw new BundleFormatError(
      `unsupported gradient-boosting format: got v${String(j.formatVersion)}, expected v${BOOSTING_FORMAT_VERSION}`,
    );
  }
  if (j.encoding !== 'deflate-raw-base64') {
    throw fail(`got encoding ${JSON.stringify(j.encoding)}, expected "deflate-raw-base64"`);
  }
  const nClasses = j.nClasses;
  if (typeof nClasses !== 'number' || !Number.isInteger(nClasses) || nClasses < 2 || nClasses > 256) {
    throw fail(`nClasses must be an integer in [2, 256], got ${String(nClasses)}`);
  }
  const nFeatures = j.nFeatures;
  if (typeof nFeatures !== 'number' || !Number.isInteger(nFeatures) || nFeatures < 1) {
    throw fail(`nFeatures must be a positive integer, got ${String(nFeatures)}`);
  }
  const names = j.featureNames;
  if (
    names !== undefined &&
    (!Array.isArray(names) || names.length !== nFeatures || names.some((name) => typeof name !== 'string'))
  ) {
    throw fail(`featureNames must be an array of nFeatures = ${nFeatures} strings`);
  }
  if (j.params === null || typeof j.params !== 'object' || Array.isArray(j.params)) {
    throw fail(`params must be an object, got ${typeName(j.params)}`);
  }
  const stored = j.params as Record<string, unknown>;
  for (const name of PARAM_NAMES) {
    if (!(name in stored) || stored[name] === undefined) throw fail(`params.${name} is missing`);
  }
  const params = resolveParams(stored as Partial<BoostingParams>, fail, 'params.');
  if (j.arrays === null || typeof j.arrays !== 'object' || Array.isArray(j.arrays)) {
    throw fail(`arrays must be an object, got ${typeName(j.arrays)}`);
  }
  const arrays = j.arrays as Record<string, unknown>;
  const nTrees = params.iterations * nClasses;
  const baseline = decodeStoredArray('boosting', arrays, 'baseline', Float64Array, nClasses);
  const nodeOffsets = decodeStoredArray('boosting', arrays, 'nodeOffsets', Int32Array, nTrees + 1);
  if (nodeOffsets[0] !== 0) throw fail('arrays.nodeOffsets must start at 0');
  for (let t = 0; t < nTrees; t++) {
    if (!(nodeOffsets[t + 1]! > nodeOffsets[t]!)) throw fail(`arrays.nodeOffsets: tree ${t} is empty`);
  }
  const nNodes = nodeOffsets[nTrees]!;
  const feature = decodeStoredArray('boosting', arrays, 'feature', Int32Array, nNodes);
  let nLeaves = 0;
  for (let i = 0; i < nNodes; i++) if (feature[i] === -1) nLeaves++;
  const state: BoostingState = {
    nClasses,
    nFeatures,
    featureNames: names === undefined ? undefined : [...(names as string[])],
    params,
    baseline,
    nodeOffsets,
    feature,
    threshold: decodeStoredArray('boosting', arrays, 'threshold', Float64Array, nNodes),
    missingLeft: decodeStoredArray('boosting', arrays, 'missingLeft', Uint8Array, nNodes),
    right: decodeStoredArray('boosting', arrays, 'right', Int32Array, nNodes),
    values: decodeStoredArray('boosting', arrays, 'values', Float64Array, nLeaves),
  };
  for (let k = 0; k < nClasses; k++) {
    if (!Number.isFinite(baseline[k]!)) throw fail(`arrays.baseline[${k}] is not finite`);
  }
  for (let i = 0; i < nLeaves; i++) {
    if (!Number.isFinite(state.values[i]!)) throw fail(`arrays.values[${i}] is not finite`);
  }
  checkStructure(state, nTrees, fail);
  return state;
}

/**
 * Checks that every tree is exactly a pre-order binary tree (left child i + 1,
 * `right` the node after the left subtree, nothing left over) with valid
 * features, thresholds and flags, so prediction can neither loop nor read out
 * of bounds.
 */
function checkStructure(s: BoostingState, nTrees: number, fail: (message: string) => Error): void {
  const pending: number[] = [];
  for (let t = 0; t < nTrees; t++) {
    const n0 = s.nodeOffsets[t]!;
    const n1 = s.nodeOffsets[t + 1]!;
    pending.length = 0;
    let previousIsSplit = false;
    for (let i = n0; i < n1; i++) {
      if (i > n0 && !previousIsSplit) {
        // After a leaf comes the right child of the latest split still missing one.
        const parent = pending.pop();
        if (parent === undefined) throw fail(`arrays: tree ${t} has nodes after its last leaf (node ${i})`);
        if (s.right[parent] !== i) {
          throw fail(
            `arrays.right[${parent}] = ${s.right[parent]}, expected ${i} (tree ${t} is not in pre-order)`,
          );
        }
      }
      const f = s.feature[i]!;
      const m = s.missingLeft[i]!;
      if (m > 1) throw fail(`arrays.missingLeft[${i}] = ${m}, expected 0 or 1`);
      if (f >= 0) {
        if (f >= s.nFeatures)
          throw fail(`arrays.feature[${i}] = ${f}, expected < nFeatures = ${s.nFeatures}`);
        if (Number.isNaN(s.threshold[i]!)) throw fail(`arrays.threshold[${i}] is NaN`);
        pending.push(i);
        previousIsSplit = true;
      } else {
        if (f !== -1) throw fail(`arrays.feature[${i}] = ${f}, expected a feature index or -1`);
        if (s.right[i] !== -1) throw fail(`arrays.right[${i}] = ${s.right[i]}, expected -1 for a leaf`);
        previousIsSplit = false;
      }
    }
    if (previousIsSplit || pending.length > 0) throw fail(`arrays: tree ${t} ends before all its children`);
  }
}
