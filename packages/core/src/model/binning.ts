/**
 * Histogram binning of features for tree growing. Each feature's values are cut
 * once per training into at most `maxBins - 1` value bins at quantile edges, and
 * every cell becomes one byte: bin 0 is reserved for missing values (NaN),
 * value bins are 1..k. A split search then counts samples per bin (no sorting
 * at any node) and only ever compares bytes.
 *
 * Edges are real values halfway between two observed values, so a value `x`
 * falls in value bin `b` exactly when `edges[b - 2] < x <= edges[b - 1]`: a
 * split "bin <= b" is the same as "x <= edges[b - 1]" and trees can store real
 * thresholds that need no binning at prediction time.
 */
import type { Dataset } from '../features/dataset.js';
import { InvalidArgumentError } from '../errors.js';

/** Bin index of a missing value (NaN), for every feature. */
export const MISSING_BIN = 0;
/** Largest allowed total number of bins per feature (value bins + the missing bin): one byte. */
export const MAX_BINS = 256;

/** Bin edges of every feature, flat: feature f's ascending edges are `edges[offsets[f] .. offsets[f + 1])`. */
export interface BinEdges {
  edges: Float64Array;
  /** `nFeatures + 1` offsets into `edges`. */
  offsets: Int32Array;
}

/**
 * Quantile bin edges of every feature of `X`. A feature with at most
 * `maxBins - 1` distinct values gets one bin per value (edges at midpoints,
 * which is what an exact split search would try); others get `maxBins - 1`
 * bins of roughly equal row counts.
 * @param maxBins total bins per feature including the missing bin, 3..256 (default 256)
 */
export function fitBinEdges(X: Dataset, maxBins = MAX_BINS): BinEdges {
  if (!Number.isInteger(maxBins) || maxBins < 3 || maxBins > MAX_BINS) {
    throw new InvalidArgumentError(`maxBins must be an integer in [3, ${MAX_BINS}], got ${String(maxBins)}`);
  }
  const maxValueBins = maxBins - 1;
  const { data, nRows, nFeatures } = X;
  // One sequential pass counts each feature's distinct values while they are
  // few; only features with more distinct values than bins need their column
  // copied and sorted.
  const distinct = Array.from({ length: nFeatures }, () => new Set<number>());
  const few = new Uint8Array(nFeatures).fill(1);
  const previous = new Float64Array(nFeatures).fill(Number.NaN);
  for (let r = 0; r < nRows; r++) {
    const rowStart = r * nFeatures;
    for (let f = 0; f < nFeatures; f++) {
      const v = data[rowStart + f]!;
      // NaN (missing, its own bin) never equals previous; runs of one value (one-hot zeros) skip the set.
      if (v === previous[f] || v !== v || few[f] === 0) continue;
      previous[f] = v;
      const set = distinct[f]!;
      set.add(v);
      if (set.size > maxValueBins) few[f] = 0;
    }
  }
  const column = new Float64Array(nRows);
  const perFeature: Float64Array[] = [];
  let total = 0;
  for (let f = 0; f < nFeatures; f++) {
    let edges: Float64Array;
    if (few[f] === 1) {
      edges = midpointEdges(Float64Array.from(distinct[f]!).sort());
    } else {
      let m = 0;
      for (let r = 0; r < nRows; r++) {
        const v = data[r * nFeatures + f]!;
        if (v === v) column[m++] = v;
      }
      edges = quantileEdges(column.subarray(0, m).sort(), maxValueBins);
    }
    perFeature.push(edges);
    total += edges.length;
  }
  const edges = new Float64Array(total);
  const offsets = new Int32Array(nFeatures + 1);
  for (let f = 0; f < nFeatures; f++) {
    const e = perFeature[f]!;
    edges.set(e, offsets[f]!);
    offsets[f + 1] = offsets[f]! + e.length;
  }
  return { edges, offsets };
}

/** Number of bins of feature `f` including the missing bin (value bins are 1..count-1). */
export function binCount(edges: BinEdges, f: number): number {
  return edges.offsets[f + 1]! - edges.offsets[f]! + 2;
}

/**
 * Bins every cell of `X`. The result is row-major like `X` (`bins[r * nFeatures + f]`):
 * a split search reads several features of each of a node's rows in one pass,
 * and a row's bytes share one or two cache lines. With `shared`, the
 * bytes live in a SharedArrayBuffer so worker threads read them without a copy.
 */
export function binDataset(X: Dataset, edges: BinEdges, shared = false): Uint8Array {
  const { data, nRows, nFeatures } = X;
  const size = nRows * nFeatures;
  const bins = new Uint8Array(shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size));
  const e = edges.edges;
  const offsets = edges.offsets;
  for (let r = 0; r < nRows; r++) {
    const rowStart = r * nFeatures;
    for (let f = 0; f < nFeatures; f++) {
      const v = data[rowStart + f]!;
      let bin = MISSING_BIN;
      if (v === v) {
        // 1 + the number of edges strictly below v (lower bound by bisection).
        let lo = offsets[f]!;
        let hi = offsets[f + 1]!;
        const first = lo;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (e[mid]! < v) lo = mid + 1;
          else hi = mid;
        }
        bin = lo - first + 1;
      }
      bins[rowStart + f] = bin;
    }
  }
  return bins;
}

/**
 * The smallest and largest training value in each bin of each feature, flat:
 * feature f's bin b at `2 * (starts[f] + b)` (min) and the slot after it (max),
 * where `starts[f]` is the sum of `binCount` over the features before f. NaN
 * for an empty bin and for the missing bin. Random-threshold trees draw
 * between real values with it, not between bin edges.
 */
export function binValueRanges(X: Dataset, bins: Uint8Array, edges: BinEdges, shared = false): Float64Array {
  const { data, nRows, nFeatures } = X;
  const starts = binStarts(edges, nFeatures);
  const size = 2 * starts[nFeatures]!;
  const ranges = new Float64Array(
    shared ? new SharedArrayBuffer(size * Float64Array.BYTES_PER_ELEMENT) : new ArrayBuffer(size * 8),
  );
  ranges.fill(Number.NaN);
  for (let r = 0; r < nRows; r++) {
    const rowStart = r * nFeatures;
    for (let f = 0; f < nFeatures; f++) {
      const b = bins[rowStart + f]!;
      if (b === MISSING_BIN) continue;
      const v = data[rowStart + f]!;
      const slot = 2 * (starts[f]! + b);
      if (!(ranges[slot]! <= v)) ranges[slot] = v;
      if (!(ranges[slot + 1]! >= v)) ranges[slot + 1] = v;
    }
  }
  return ranges;
}

/** `nFeatures + 1` prefix sums of `binCount`: feature f's bins start at `starts[f]` in per-bin arrays. */
export function binStarts(edges: BinEdges, nFeatures: number): Int32Array {
  const starts = new Int32Array(nFeatures + 1);
  for (let f = 0; f < nFeatures; f++) starts[f + 1] = starts[f]! + binCount(edges, f);
  return starts;
}

/**
 * A real threshold separating value bin `lowBin` from value bin `highBin`
 * (`lowBin < highBin`, the bins between them empty in the node being split):
 * halfway between the upper edge of `lowBin` and the lower edge of `highBin`.
 * Every such value splits the training rows alike; the midpoint leaves the
 * largest margin on both sides, like an exact split search.
 */
export function thresholdBetween(edges: BinEdges, f: number, lowBin: number, highBin: number): number {
  const base = edges.offsets[f]!;
  const a = edges.edges[base + lowBin - 1]!;
  const b = edges.edges[base + highBin - 2]!;
  return midpoint(a, b);
}

/** A value in [a, b] (a <= b) as close to the middle as floating point allows. */
function midpoint(a: number, b: number): number {
  const m = a + (b - a) / 2;
  // Guards overflow (b - a = Infinity) and rounding up to b for adjacent doubles.
  return m >= a && m < b ? m : a;
}

/** Edges halfway between consecutive distinct sorted values. */
function midpointEdges(sortedDistinct: Float64Array): Float64Array {
  const n = Math.max(0, sortedDistinct.length - 1);
  const edges = new Float64Array(n);
  for (let i = 0; i < n; i++) edges[i] = midpoint(sortedDistinct[i]!, sortedDistinct[i + 1]!);
  return edges;
}

/**
 * Edges cutting `sorted` into `k` parts of about equal counts. A run of equal
 * values never straddles an edge, so heavy values shrink the number of bins
 * rather than leaving empty ones.
 */
function quantileEdges(sorted: Float64Array, k: number): Float64Array {
  const m = sorted.length;
  const out: number[] = [];
  for (let i = 1; i < k; i++) {
    const pos = Math.floor((i * m) / k);
    if (pos <= 0) continue;
    const lo = sorted[pos - 1]!;
    // First value above lo (upper bound by bisection).
    let a = pos;
    let b = m;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (sorted[mid]! <= lo) a = mid + 1;
      else b = mid;
    }
    if (a >= m) break;
    const edge = midpoint(lo, sorted[a]!);
    if (out.length === 0 || edge > out[out.length - 1]!) out.push(edge);
  }
  return Float64Array.from(out);
}
