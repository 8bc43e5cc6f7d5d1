/**
 * Growing one classification tree of a random forest on histogram-binned
 * features (see binning.ts). A `TreeGrower` owns every buffer a tree needs,
 * sized once for the data, so growing a tree allocates only its result.
 *
 * Per tree: a bootstrap sample kept as per-row counts (a row drawn k times
 * weighs k, nothing is copied), class weights, then depth-first growth with an
 * explicit stack. Per node: a fresh random subset of features (drawn without
 * replacement), one pass over the node's rows that histograms all of them
 * (class weights per bin), and a scan of each feature's non-empty bins for the
 * split with the lowest weighted Gini impurity of the two children.
 *
 * Missing values (NaN, bin 0): at a node whose rows include missing values of
 * the split feature, both directions are tried and the better one is kept;
 * the split "present vs missing" is tried too. At a node without missing
 * values of that feature, missing values go to the child with more training
 * weight. The direction is stored per node (`missingLeft`).
 */
import { type BinEdges, MISSING_BIN, binCount, binStarts, thresholdBetween } from '../binning.js';
import { Random, deriveSeed } from '../../sampling/random.js';

/** The binned training data a grower reads (shared between threads, never written). */
export interface TreeTrainingData {
  /** Row-major bins, `bins[r * nFeatures + f]` (binning.ts). */
  bins: Uint8Array;
  nRows: number;
  nFeatures: number;
  /** Class index per row, each < nClasses. */
  y: Uint8Array;
  nClasses: number;
  edges: BinEdges;
  /**
   * Smallest and largest training value per bin (`binValueRanges`), for
   * random-threshold trees; without it they use the bin edges.
   */
  binRanges?: Float64Array;
}

/** How a class's rows are weighted (sklearn's `class_weight`). */
export type ClassWeightMode = 'balanced' | 'balanced_subsample' | null;

/** Resolved growth parameters (forest.ts fills in the defaults). */
export interface TreeParams {
  /** Maximum depth (root = 0); Infinity for unbounded. */
  maxDepth: number;
  /** Minimum rows (distinct rows of the bootstrap sample) in each leaf, >= 1. */
  minSamplesLeaf: number;
  /** A node with fewer rows than this is a leaf, >= 2. */
  minSamplesSplit: number;
  /** Features drawn at each split, 1..nFeatures. */
  maxFeatures: number;
  classWeight: ClassWeightMode;
  bootstrap: boolean;
  /**
   * Share of the trees, in [0, 1], grown as extremely randomized trees: each
   * drawn feature is cut at one random threshold (uniform between the node's
   * smallest and largest value) instead of its best one, on all rows (no
   * bootstrap). Tree i is one when floor((i + 1) * share) > floor(i * share),
   * so 0.5 alternates the two kinds.
   */
  extraTrees: number;
  /** Forest seed; tree i uses `deriveSeed(seed, i)`. */
  seed: number;
}

/**
 * One grown tree as parallel arrays, nodes in pre-order (root 0). A split node
 * sends a row left when `x[feature] <= threshold`, right when it is greater,
 * and by `missingLeft` when it is NaN. A leaf has `feature = -1` and
 * `left` = the offset of its class distribution in `values` (`right` = -1).
 */
export interface GrownTree {
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  missingLeft: Uint8Array;
  /** Leaf class distributions (weighted class shares, each summing to 1), `nClasses` per leaf. */
  values: Float64Array;
  /** Weighted Gini decrease per feature, summing to 1 (all zeros for a single-leaf tree). */
  importances: Float64Array;
}

/** Whether tree `treeIndex` of a forest with this extra-trees share uses random thresholds. */
export function isExtraTree(treeIndex: number, share: number): boolean {
  return Math.floor((treeIndex + 1) * share) > Math.floor(treeIndex * share);
}

/** Row-count-free class weights over the whole training set: n / (nClasses * count_c), sklearn's "balanced". */
export function balancedClassWeights(y: Uint8Array, nClasses: number): Float64Array {
  const counts = new Float64Array(nClasses);
  for (let i = 0; i < y.length; i++) counts[y[i]!]!++;
  return weightsFromCounts(counts, y.length);
}

function weightsFromCounts(counts: Float64Array, n: number): Float64Array {
  const nClasses = counts.length;
  const weights = new Float64Array(nClasses);
  // An absent class has no rows to weigh; 1 keeps the array finite.
  for (let c = 0; c < nClasses; c++) weights[c] = counts[c]! > 0 ? n / (nClasses * counts[c]!) : 1;
  return weights;
}

const STACK_FIELDS = 5; // start, end, depth, parent * 2 + (1 if right child), known constant features
/** Features histogrammed in one pass over a node's rows (bounds the histogram memory). */
const MAX_BATCH = 32;
/** hist[(class << CLASS_SHIFT) | (k << 8) | bin]: one plane of MAX_BATCH * 256 bins per class. */
const CLASS_SHIFT = 13;
/** Below this many rows a node tracks its non-empty bins instead of scanning all bins. */
const SMALL_NODE = 128;

/** Grows trees on one binned dataset; not thread-safe, one grower per thread. */
export class TreeGrower {
  private readonly data: TreeTrainingData;
  private readonly params: TreeParams;
  private readonly nBins: Int32Array;
  private readonly baseClassWeight: Float64Array;

  // Per-row buffers.
  private readonly counts: Int32Array;
  private readonly weight: Float64Array;
  /** Rows of the bootstrap sample, ascending within each node; a node owns a contiguous range. */
  private readonly rows: Int32Array;
  /** Right-hand rows during a partition. */
  private readonly spill: Int32Array;
  // Per-feature buffers.
  private readonly featureOrder: Int32Array;
  private readonly isConstant: Uint8Array;
  private readonly importances: Float64Array;
  // Histograms of a batch of features in one node: class weights and row counts per bin.
  /** Whether split searches need row counts per bin (only for minSamplesLeaf > 1). */
  private readonly countRows: boolean;
  private readonly batchFeatures: Int32Array;
  private readonly hist: Float64Array;
  private readonly binRows: Int32Array;
  private readonly touched: Int32Array;
  private readonly nTouched: Int32Array;
  // Class-weight scratch, nClasses each.
  private readonly nodeTotals: Float64Array;
  private readonly leftAcc: Float64Array;
  private readonly missingTotals: Float64Array;
  private readonly bestLeft: Float64Array;
  // Node arrays with room for the largest possible tree (2 * rows - 1 nodes).
  private readonly nodeFeature: Int32Array;
  private readonly nodeThreshold: Float64Array;
  private readonly nodeLeft: Int32Array;
  private readonly nodeRight: Int32Array;
  private readonly nodeMissingLeft: Uint8Array;
  private readonly leafValues: Float64Array;
  // Depth-first stack of nodes still to grow, with their class totals.
  private readonly stack: Int32Array;
  private readonly stackTotals: Float64Array;

  // Best split of the node being searched.
  private bestFeature = -1;
  private bestBin = 0;
  private bestMissingLeft = false;
  /** Next non-empty value bin after `bestBin` in the node, or -1 for the "present vs missing" split. */
  private bestNextBin = -1;
  private bestScore = -Infinity;
  /** Whether the best split's feature had missing values in the node. */
  private bestSawMissing = false;
  /** Generator of the tree being grown (a field keeps the split search call-free). */
  private random = new Random(0);
  /** Known-constant count handed to the children of the node just split. */
  private childKnownConstant = 0;
  /** Whether the tree being grown cuts each feature at a random threshold (extra trees). */
  private randomSplits = false;
  /** Smallest and largest value of each bin of each feature (`binValueRanges` layout), for random thresholds. */
  private readonly binRanges: Float64Array;
  private readonly binOffsets: Int32Array;

  constructor(data: TreeTrainingData, params: TreeParams) {
    this.data = data;
    this.params = params;
    const { nRows, nFeatures, nClasses } = data;
    this.nBins = new Int32Array(nFeatures);
    for (let f = 0; f < nFeatures; f++) this.nBins[f] = binCount(data.edges, f);
    this.binOffsets = binStarts(data.edges, nFeatures);
    this.binRanges = data.binRanges ?? edgeRanges(data.edges, this.binOffsets);
    this.baseClassWeight =
      params.classWeight === 'balanced'
        ? balancedClassWeights(data.y, nClasses)
        : new Float64Array(nClasses).fill(1);
    this.counts = new Int32Array(nRows);
    this.weight = new Float64Array(nRows);
    this.rows = new Int32Array(nRows);
    this.spill = new Int32Array(nRows);
    this.featureOrder = new Int32Array(nFeatures);
    this.isConstant = new Uint8Array(nFeatures);
    this.importances = new Float64Array(nFeatures);
    this.countRows = params.minSamplesLeaf > 1;
    this.batchFeatures = new Int32Array(MAX_BATCH);
    this.hist = new Float64Array(nClasses << CLASS_SHIFT);
    this.binRows = new Int32Array(MAX_BATCH * 256);
    this.touched = new Int32Array(MAX_BATCH * 256);
    this.nTouched = new Int32Array(MAX_BATCH);
    this.nodeTotals = new Float64Array(nClasses);
    this.leftAcc = new Float64Array(nClasses);
    this.missingTotals = new Float64Array(nClasses);
    this.bestLeft = new Float64Array(nClasses);
    const maxNodes = Math.max(1, 2 * nRows - 1);
    this.nodeFeature = new Int32Array(maxNodes);
    this.nodeThreshold = new Float64Array(maxNodes);
    this.nodeLeft = new Int32Array(maxNodes);
    this.nodeRight = new Int32Array(maxNodes);
    this.nodeMissingLeft = new Uint8Array(maxNodes);
    this.leafValues = new Float64Array(Math.max(1, nRows) * nClasses);
    this.stack = new Int32Array((nRows + 2) * STACK_FIELDS);
    this.stackTotals = new Float64Array((nRows + 2) * nClasses);
  }

  /** Grows tree number `treeIndex` of the forest; the same index always gives the same tree. */
  grow(treeIndex: number): GrownTree {
    const { nRows, nFeatures, nClasses, y } = this.data;
    const params = this.params;
    const random = new Random(deriveSeed(params.seed, treeIndex));
    this.random = random;
    this.randomSplits = isExtraTree(treeIndex, params.extraTrees);
    const counts = this.counts;
    const weight = this.weight;
    const rows = this.rows;

    // Bootstrap: nRows draws with replacement, kept as counts.
    if (params.bootstrap && !this.randomSplits) {
      counts.fill(0);
      // nextFloat * n: a bias of at most n / 2**32 per index, far below sampling noise, at half the cost of nextInt.
      for (let i = 0; i < nRows; i++) counts[Math.floor(random.nextFloat() * nRows)]!++;
    } else {
      counts.fill(1);
    }
    let classWeight = this.baseClassWeight;
    if (params.classWeight === 'balanced_subsample') {
      // sklearn: "balanced" computed on the bootstrap sample, repeats counted.
      const drawn = new Float64Array(nClasses);
      for (let r = 0; r < nRows; r++) drawn[y[r]!]! += counts[r]!;
      classWeight = weightsFromCounts(drawn, nRows);
    }
    const totals = this.nodeTotals;
    totals.fill(0);
    let n = 0;
    for (let r = 0; r < nRows; r++) {
      const k = counts[r]!;
      if (k === 0) continue;
      const w = k * classWeight[y[r]!]!;
      weight[r] = w;
      rows[n++] = r;
      totals[y[r]!]! += w;
    }
    for (let f = 0; f < nFeatures; f++) this.featureOrder[f] = f;
    this.importances.fill(0);

    const stack = this.stack;
    const stackTotals = this.stackTotals;
    let top = 0;
    stack[0] = 0;
    stack[1] = n;
    stack[2] = 0;
    stack[3] = -1;
    stack[4] = 0;
    stackTotals.set(totals, 0);
    top = 1;
    let nNodes = 0;
    let nLeaves = 0;
    const feature = this.nodeFeature;
    const threshold = this.nodeThreshold;
    const left = this.nodeLeft;
    const right = this.nodeRight;
    const missingLeft = this.nodeMissingLeft;
    const values = this.leafValues;

    while (top > 0) {
      top--;
      const s = top * STACK_FIELDS;
      const start = stack[s]!;
      const end = stack[s + 1]!;
      const depth = stack[s + 2]!;
      const link = stack[s + 3]!;
      const knownConstant = stack[s + 4]!;
      for (let c = 0; c < nClasses; c++) totals[c] = stackTotals[top * nClasses + c]!;
      const node = nNodes++;
      if (link >= 0) {
        if ((link & 1) === 0) left[link >> 1] = node;
        else right[link >> 1] = node;
      }

      let nodeWeight = 0;
      let sumSquares = 0;
      let nonEmptyClasses = 0;
      for (let c = 0; c < nClasses; c++) {
        const t = totals[c]!;
        nodeWeight += t;
        sumSquares += t * t;
        if (t > 0) nonEmptyClasses++;
      }
      const nodeRows = end - start;
      let isLeaf =
        nonEmptyClasses <= 1 ||
        depth >= params.maxDepth ||
        nodeRows < params.minSamplesSplit ||
        nodeRows < 2 * params.minSamplesLeaf;
      if (!isLeaf) isLeaf = !this.findSplit(start, end, knownConstant);

      if (isLeaf) {
        feature[node] = -1;
        threshold[node] = 0;
        missingLeft[node] = 0;
        const offset = nLeaves * nClasses;
        for (let c = 0; c < nClasses; c++) values[offset + c] = totals[c]! / nodeWeight;
        left[node] = offset;
        right[node] = -1;
        nLeaves++;
        continue;
      }

      const f = this.bestFeature;
      const splitBin = this.bestBin;
      const goMissingLeft = this.bestMissingLeft;
      // Stable partition: left rows first, both parts keeping ascending row order,
      // so histogram passes read the bins in address order (cache and prefetch friendly).
      const bins = this.data.bins;
      const spill = this.spill;
      let mid = start;
      let nRight = 0;
      for (let i = start; i < end; i++) {
        const r = rows[i]!;
        const b = bins[r * nFeatures + f]!;
        if (b === MISSING_BIN ? goMissingLeft : b <= splitBin) rows[mid++] = r;
        else spill[nRight++] = r;
      }
      for (let i = 0; i < nRight; i++) rows[mid + i] = spill[i]!;

      // Children's class totals and the Gini decrease (importance) of this split.
      const bestLeft = this.bestLeft;
      let leftWeight = 0;
      let leftSquares = 0;
      let rightWeight = 0;
      let rightSquares = 0;
      const leftSlot = (top + 1) * nClasses;
      const rightSlot = top * nClasses;
      for (let c = 0; c < nClasses; c++) {
        const l = bestLeft[c]!;
        const r = totals[c]! - l;
        leftWeight += l;
        leftSquares += l * l;
        rightWeight += r;
        rightSquares += r * r;
        stackTotals[leftSlot + c] = l;
        stackTotals[rightSlot + c] = r;
      }
      // weight * gini = weight - sum(w_c^2) / weight
      const decrease =
        nodeWeight -
        sumSquares / nodeWeight -
        (leftWeight - leftSquares / leftWeight) -
        (rightWeight - rightSquares / rightWeight);
      this.importances[f]! += decrease;

      feature[node] = f;
      threshold[node] =
        this.bestNextBin < 0 ? Infinity : thresholdBetween(this.data.edges, f, splitBin, this.bestNextBin);
      // A node that saw no missing values sends them where most training weight went.
      missingLeft[node] = (this.bestSawMissing ? goMissingLeft : leftWeight >= rightWeight) ? 1 : 0;

      // Push right, then left, so the left child is grown next (pre-order numbering).
      let p = top * STACK_FIELDS;
      stack[p] = mid;
      stack[p + 1] = end;
      stack[p + 2] = depth + 1;
      stack[p + 3] = node * 2 + 1;
      stack[p + 4] = this.childKnownConstant;
      top++;
      p = top * STACK_FIELDS;
      stack[p] = start;
      stack[p + 1] = mid;
      stack[p + 2] = depth + 1;
      stack[p + 3] = node * 2;
      stack[p + 4] = this.childKnownConstant;
      top++;
    }

    const importances = new Float64Array(nFeatures);
    let importanceSum = 0;
    for (let f = 0; f < nFeatures; f++) importanceSum += this.importances[f]!;
    if (importanceSum > 0)
      for (let f = 0; f < nFeatures; f++) importances[f] = this.importances[f]! / importanceSum;

    return {
      feature: feature.slice(0, nNodes),
      threshold: threshold.slice(0, nNodes),
      left: left.slice(0, nNodes),
      right: right.slice(0, nNodes),
      missingLeft: missingLeft.slice(0, nNodes),
      values: values.slice(0, nLeaves * nClasses),
      importances,
    };
  }

  /**
   * Searches the node's rows `rows[start..end)` over a random feature subset,
   * by sklearn's rule: features are drawn without replacement until
   * `maxFeatures` have been drawn, and beyond that only while every drawn
   * feature was constant in the node. Features already known to be constant
   * here (constant in an ancestor) count as drawn but cost nothing: they sit in
   * `featureOrder[0 .. knownConstant)`, and the ones found constant in this
   * node are moved right after them for the children (`childKnownConstant`).
   * Leaves the best split in the `best*` fields; false when no feature splits.
   */
  private findSplit(start: number, end: number, knownConstant: number): boolean {
    const nFeatures = this.data.nFeatures;
    const maxFeatures = this.params.maxFeatures;
    const order = this.featureOrder;
    const batchFeatures = this.batchFeatures;
    const isConstant = this.isConstant;
    const random = this.random;
    this.bestScore = -Infinity;
    this.bestFeature = -1;
    // knownConstant - knownDrawn known constants are undrawn; undrawn others are order[othersDrawn .. nFeatures).
    let knownDrawn = 0;
    let othersDrawn = knownConstant;
    let drawn = 0;
    let nonConstant = 0;
    let foundConstant = 0;
    while (drawn < maxFeatures || nonConstant === 0) {
      // Draw the features still due (one at a time once all drawn were constant)
      // and histogram them together: one pass over the rows reads each row once.
      let batch = 0;
      const due = drawn < maxFeatures ? maxFeatures - drawn : 1;
      let undrawn = knownConstant - knownDrawn + (nFeatures - othersDrawn);
      for (let d = 0; d < due && undrawn > 0 && batch < MAX_BATCH; d++) {
        const pick = Math.floor(random.nextFloat() * undrawn);
        const knownLeft = knownConstant - knownDrawn;
        drawn++;
        undrawn--;
        if (pick < knownLeft) {
          // A known constant: which one does not matter, and leaving the prefix
          // unpermuted keeps it valid for the ancestors' pending right children.
          knownDrawn++;
        } else {
          const pos = othersDrawn + pick - knownLeft;
          const f = order[pos]!;
          order[pos] = order[othersDrawn]!;
          order[othersDrawn++] = f;
          batchFeatures[batch++] = f;
        }
      }
      if (batch > 0) {
        this.buildHistograms(start, end, batch);
        for (let k = 0; k < batch; k++) {
          if (this.evaluateFeature(k, end - start)) {
            nonConstant++;
          } else {
            isConstant[batchFeatures[k]!] = 1;
            foundConstant++;
          }
        }
      }
      if (undrawn === 0) break;
    }
    // Move the features found constant here next to the known ones; clear the marks.
    let next = knownConstant;
    if (foundConstant > 0) {
      for (let pos = knownConstant; pos < othersDrawn; pos++) {
        const f = order[pos]!;
        if (isConstant[f] === 1) {
          isConstant[f] = 0;
          order[pos] = order[next]!;
          order[next++] = f;
        }
      }
    }
    this.childKnownConstant = next;
    return this.bestFeature >= 0;
  }

  /**
   * Histograms of the batch's features over the node's rows: class weights and
   * row counts per bin, plus each feature's non-empty bins in ascending order
   * (`touched`, `nTouched`). Feature k of the batch uses slots k * 256 ...
   */
  private buildHistograms(start: number, end: number, batch: number): void {
    const { nFeatures, y, bins } = this.data;
    const rows = this.rows;
    const weight = this.weight;
    const hist = this.hist;
    const binRows = this.binRows;
    const touched = this.touched;
    const nTouched = this.nTouched;
    const features = this.batchFeatures;
    if (end - start < SMALL_NODE) {
      // Few rows: note each bin when it first fills, so nothing scans 256 bins.
      for (let k = 0; k < batch; k++) nTouched[k] = 0;
      for (let i = start; i < end; i++) {
        const r = rows[i]!;
        const base = r * nFeatures;
        const labelBase = y[r]! << CLASS_SHIFT;
        const w = weight[r]!;
        for (let k = 0; k < batch; k++) {
          const b = bins[base + features[k]!]!;
          const slot = (k << 8) | b;
          if (binRows[slot]!++ === 0) touched[(k << 8) + nTouched[k]!++] = b;
          hist[labelBase | slot]! += w;
        }
      }
      for (let k = 0; k < batch; k++) {
        const n = nTouched[k]!;
        if (n * n < 4 * this.nBins[features[k]!]!) {
          const first = k << 8;
          for (let a = first + 1; a < first + n; a++) {
            const v = touched[a]!;
            let b = a - 1;
            while (b >= first && touched[b]! > v) {
              touched[b + 1] = touched[b]!;
              b--;
            }
            touched[b + 1] = v;
          }
        } else {
          this.sweepBins(k, false);
        }
      }
      return;
    }
    if (this.countRows) {
      for (let i = start; i < end; i++) {
        const r = rows[i]!;
        const base = r * nFeatures;
        const labelBase = y[r]! << CLASS_SHIFT;
        const w = weight[r]!;
        for (let k = 0; k < batch; k++) {
          const slot = (k << 8) | bins[base + features[k]!]!;
          binRows[slot]!++;
          hist[labelBase | slot]! += w;
        }
      }
      for (let k = 0; k < batch; k++) this.sweepBins(k, false);
      return;
    }
    // Leaf sizes unconstrained: row counts are not needed, a bin is non-empty when it has weight.
    for (let i = start; i < end; i++) {
      const r = rows[i]!;
      const base = r * nFeatures;
      const labelBase = y[r]! << CLASS_SHIFT;
      const w = weight[r]!;
      for (let k = 0; k < batch; k++) hist[labelBase | (k << 8) | bins[base + features[k]!]!]! += w;
    }
    for (let k = 0; k < batch; k++) this.sweepBins(k, true);
  }

  /** Lists feature k's non-empty bins in ascending order by looking at each bin's row count or weight. */
  private sweepBins(k: number, byWeight: boolean): void {
    const binRows = this.binRows;
    const hist = this.hist;
    const nClasses = this.data.nClasses;
    const touched = this.touched;
    const first = k << 8;
    const count = this.nBins[this.batchFeatures[k]!]!;
    let n = 0;
    if (byWeight) {
      for (let b = 0; b < count; b++) {
        const slot = first | b;
        let w = 0;
        for (let c = 0; c < nClasses; c++) w += hist[(c << CLASS_SHIFT) | slot]!;
        if (w > 0) touched[first + n++] = b;
      }
    } else {
      for (let b = 0; b < count; b++) if (binRows[first | b]! > 0) touched[first + n++] = b;
    }
    this.nTouched[k] = n;
  }

  /**
   * Scans feature k's histogram for the best split, updating `best*`; clears the
   * histogram. Returns false when the feature is constant in the node.
   */
  private evaluateFeature(k: number, nodeRows: number): boolean {
    const nClasses = this.data.nClasses;
    const f = this.batchFeatures[k]!;
    const minLeaf = this.params.minSamplesLeaf;
    const hist = this.hist;
    const binRows = this.binRows;
    const touched = this.touched;
    const totals = this.nodeTotals;
    const acc = this.leftAcc;
    const bestLeft = this.bestLeft;
    const missing = this.missingTotals;
    const first = k << 8;
    const nTouched = this.nTouched[k]!;

    if (nTouched > 1) {
      // Missing values, if any, are in bin 0, which sorts first.
      let firstValue = first;
      let missingRows = 0;
      const hasMissing = touched[first] === MISSING_BIN;
      if (hasMissing) {
        firstValue = first + 1;
        missingRows = binRows[first]!;
        for (let c = 0; c < nClasses; c++) missing[c] = hist[(c << CLASS_SHIFT) | first]!;
      }
      const last = first + nTouched - 1;
      // Extra trees: only the cut after value bin touched[cut] is scored.
      const cut = this.randomSplits ? this.randomCut(f, first, firstValue, last) : -1;
      // Pass 0: missing values go right; pass 1 (only with missing values): they go left.
      const passes = hasMissing ? 2 : 1;
      for (let pass = 0; pass < passes; pass++) {
        const missingGoLeft = pass === 1;
        let leftRows = missingGoLeft ? missingRows : 0;
        for (let c = 0; c < nClasses; c++) acc[c] = missingGoLeft ? missing[c]! : 0;
        // With missing values going right, "all present values left" is a split too.
        const lastSplit = hasMissing && !missingGoLeft ? last : last - 1;
        for (let t = firstValue; t <= lastSplit; t++) {
          const b = touched[t]!;
          const slot = first | b;
          leftRows += binRows[slot]!;
          let lw = 0;
          let lsq = 0;
          let rw = 0;
          let rsq = 0;
          for (let c = 0; c < nClasses; c++) {
            const l = acc[c]! + hist[(c << CLASS_SHIFT) | slot]!;
            acc[c] = l;
            const r = totals[c]! - l;
            lw += l;
            lsq += l * l;
            rw += r;
            rsq += r * r;
          }
          // (Row counts exist only when minLeaf > 1; with 1, both sides are non-empty by construction.)
          if (minLeaf > 1 && (leftRows < minLeaf || nodeRows - leftRows < minLeaf)) continue;
          if (cut >= 0 && t !== cut) continue;
          // Lowest weighted Gini of the children = highest sum of (sum of squares / weight).
          const score = lsq / lw + rsq / rw;
          if (score > this.bestScore) {
            this.bestScore = score;
            this.bestFeature = f;
            this.bestBin = b;
            this.bestMissingLeft = missingGoLeft;
            this.bestSawMissing = hasMissing;
            this.bestNextBin = t < last ? touched[t + 1]! : -1;
            for (let c = 0; c < nClasses; c++) bestLeft[c] = acc[c]!;
          }
        }
      }
    }

    // Clear only the bins this feature touched.
    for (let t = first; t < first + nTouched; t++) {
      const slot = first | touched[t]!;
      binRows[slot] = 0;
      for (let c = 0; c < nClasses; c++) hist[(c << CLASS_SHIFT) | slot] = 0;
    }
    return nTouched > 1;
  }

  /**
   * Extra trees: a threshold drawn uniformly between the node's smallest and
   * largest value of feature f (as far as bins tell: from the lowest value of
   * its first non-empty bin to the highest of its last), returned as the
   * position in `touched` of the last value bin left of it; a bin the
   * threshold falls inside goes to the side of its nearer half. With a single
   * value bin (and missing values), the "present vs missing" split.
   */
  private randomCut(f: number, first: number, firstValue: number, last: number): number {
    if (firstValue >= last) return last;
    const touched = this.touched;
    const base = 2 * this.binOffsets[f]!;
    const ranges = this.binRanges;
    const low = ranges[base + 2 * touched[firstValue]!]!;
    const high = ranges[base + 2 * touched[last]! + 1]!;
    const u = low + this.random.nextFloat() * (high - low);
    let t = firstValue;
    while (t < last - 1) {
      const next = base + 2 * touched[t + 1]!;
      if (ranges[next]! + (ranges[next + 1]! - ranges[next]!) / 2 > u) break;
      t++;
    }
    return t;
  }
}

/**
 * Bin value ranges from the edges alone (value bin b holds (edges[b - 2],
 * edges[b - 1]]), for a grower given no `binRanges`: the open ends of the
 * first and last value bins take their one finite edge.
 */
function edgeRanges(edges: BinEdges, starts: Int32Array): Float64Array {
  const nFeatures = starts.length - 1;
  const ranges = new Float64Array(2 * starts[nFeatures]!);
  for (let f = 0; f < nFeatures; f++) {
    const e0 = edges.offsets[f]!;
    const nEdges = edges.offsets[f + 1]! - e0;
    const nBins = starts[f + 1]! - starts[f]!;
    for (let b = 1; b < nBins; b++) {
      const lower = b >= 2 ? edges.edges[e0 + b - 2]! : edges.edges[e0]!;
      const upper = b - 1 < nEdges ? edges.edges[e0 + b - 1]! : edges.edges[e0 + nEdges - 1]!;
      const slot = 2 * (starts[f]! + b);
      ranges[slot] = Math.min(lower, upper);
      ranges[slot + 1] = Math.max(lower, upper);
    }
  }
  return ranges;
}
