/**
 * Growing one regression tree on the gradients and hessians of one class, as
 * sklearn's grower, splitter and histogram builder do: every rule that changes
 * which split wins (gain formula, tie-breaking, minimum leaf size and hessian,
 * missing-value handling, leaf-wise growth order) follows them.
 *
 * Trees grow best-first: the leaf with the largest gain is split next, up to
 * `maxLeafNodes` leaves. A node's histogram of (sum g, sum h, count) per bin
 * is built from its rows only for the smaller child of a split; the larger
 * child's is the parent's minus the smaller's, which halves the work or better.
 *
 * Missing values (NaN, bin 0): for a feature that had missing values in
 * training, each split tries sending them left and right and keeps the better;
 * for a feature that had none, a NaN seen at prediction goes to the child that
 * had more training rows. The direction is stored per node (`missingLeft`).
 */
import { type BinEdges, binCount, thresholdBetween } from '../binning.js';
import type { BoostingParams } from './params.js';
import type { TreeArrays } from './predictor.js';

/** A split needs at least this much hessian on each side (sklearn's `min_hessian_to_split`). */
const MIN_HESSIAN = 1e-3;
/** Added to denominators as sklearn does: keeps a leaf value finite when lambda = 0 and the hessian vanishes. */
const EPS_DENOMINATOR = 1e-15;

/**
 * Grows the regression trees of one training, reusing every buffer: node
 * records, the row partition, histograms and the split heap are allocated
 * once per training, not per tree.
 */
export class HistogramTreeGrower {
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
  /** Gradient and hessian of each row and class, float32: gh[2 (r K + k)] and the next slot (`softmaxGradients`). */
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
export class TreeSink {
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

  /** The trees received so far, trimmed to size. */
  finish(): TreeArrays {
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

/** `to` (the larger array) with `from` copied to its start. */
function grow<T extends Int32Array | Float64Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
