/**
 * The project's random forest classifier as a trained model: inference on
 * flat typed arrays laid out for the cache, feature importances, and its JSON
 * form (format.ts). Training is trainForest in training.ts.
 *
 * Missing values (NaN) are allowed in features: see tree.ts for the rule.
 */
import type { Dataset } from '../../features/dataset.js';
import { argmaxRow } from '../metrics.js';
import {
  type ForestMeta,
  type ForestParams,
  type ForestState,
  type SerializedForest,
  concatenateTrees,
  deserializeForest,
  serializeForest,
  treeOfState,
} from './format.js';
import type { GrownTree } from './tree.js';
import { rowOutput, scoreRows } from '../class-scores.js';

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
    return serializeForest(this.state);
  }

  /**
   * Restores a forest from `toJSON()` output (parsed JSON). Throws
   * BundleFormatError for another kind or format version ("got vX, expected
   * vY") and for arrays that are corrupt or inconsistent.
   */
  static fromJSON(json: unknown): RandomForest {
    return new RandomForest(deserializeForest(json));
  }

  /** JSON of the given trees, the same as `fromTrees(trees, meta).toJSON()` without building a forest. */
  static treesToJSON(trees: readonly GrownTree[], meta: ForestMeta): SerializedForest {
    return serializeForest(concatenateTrees(trees, meta));
  }

  /** A forest of the given trees (training and checkpoints). */
  static fromTrees(trees: readonly GrownTree[], meta: ForestMeta): RandomForest {
    return new RandomForest(concatenateTrees(trees, meta));
  }

  /** Tree t as it was grown (local node and leaf offsets), to continue a training from a checkpoint. */
  treeAt(t: number): GrownTree {
    return treeOfState(this.state, t);
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
