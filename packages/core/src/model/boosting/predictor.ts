/**
 * The inference side of the boosting: the compact arrays a trained model is
 * made of (every tree in pre-order, all trees concatenated), and `Predictor`,
 * which packs them once for a fast batched walk of thousands of trees per row.
 */
import type { BoostingParams } from './params.js';

/**
 * The trees of a model, nodes of all trees concatenated (global indices).
 * There are `params.iterations * nClasses` trees, round-major: tree t adds
 * to the raw score of class t % nClasses. Each tree is in pre-order: the left
 * child of split i is i + 1.
 */
export interface TreeArrays {
  /** nTrees + 1: tree t's nodes are [nodeOffsets[t], nodeOffsets[t + 1]). */
  nodeOffsets: Int32Array;
  /** Split feature per node, -1 for a leaf. */
  feature: Int32Array;
  /** Per node: x <= threshold goes left (0 for a leaf; +Infinity splits present from missing). */
  threshold: Float64Array;
  /** Per node: 1 = a missing value goes left. */
  missingLeft: Uint8Array;
  /** Right child per node (global index), -1 for a leaf. */
  right: Int32Array;
  /** Per leaf, in node order: the value the leaf adds to its class's raw score (learning rate included). */
  values: Float64Array;
}

/** The model's arrays: its header, the raw scores before any tree, and the trees. */
export interface BoostingState extends TreeArrays {
  nClasses: number;
  nFeatures: number;
  featureNames: string[] | undefined;
  params: BoostingParams;
  /** nClasses raw scores before any tree (log class priors). */
  baseline: Float64Array;
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
export class Predictor {
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
