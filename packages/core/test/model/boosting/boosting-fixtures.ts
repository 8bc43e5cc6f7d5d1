/**
 * What the boosting tests share: a fast set of options, the forest tests'
 * three-class data, and a slow, obvious reading of a model's stored arrays
 * to check the fast paths against.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { BoostingOptions } from '../../../src/model/boosting/params.js';
import type { GradientBoosting } from '../../../src/model/boosting/estimator.js';
import type { SerializedBoosting } from '../../../src/model/boosting/format.js';
import type { Dataset } from '../../../src/features/dataset.js';
import { argmaxRow } from '../../../src/model/metrics.js';
import { threeClassSet } from '../forest/forest-fixtures.js';

/** Few rounds and small trees: the tests check behaviour, not accuracy at scale. */
export const FAST: BoostingOptions = {
  iterations: 30,
  learningRate: 0.2,
  maxLeafNodes: 8,
  minSamplesLeaf: 5,
};

/** The forest tests' three-class rule, on five features. */
export function threeClasses(
  nRows: number,
  seed: number,
  options: { noise?: number; missing?: number } = {},
): { X: Dataset; y: Uint8Array } {
  return threeClassSet(nRows, seed, { nFeatures: 5, ...options });
}

export function row(X: Dataset, r: number): Float64Array {
  return X.data.slice(r * X.nFeatures, (r + 1) * X.nFeatures);
}

export function accuracy(model: GradientBoosting, X: Dataset, y: Uint8Array): number {
  const proba = model.predictProbaBatch(X);
  const K = model.nClasses;
  let correct = 0;
  for (let r = 0; r < X.nRows; r++) if (argmaxRow(proba, r * K, K) === y[r]) correct++;
  return correct / X.nRows;
}

export type Arrays = {
  baseline: Float64Array;
  nodeOffsets: Int32Array;
  feature: Int32Array;
  threshold: Float64Array;
  missingLeft: Uint8Array;
  right: Int32Array;
  values: Float64Array;
};

function decode<T extends Int32Array | Float64Array | Uint8Array>(
  text: string,
  Type: { new (buffer: ArrayBuffer): T },
): T {
  const bytes = inflateRawSync(Buffer.from(text, 'base64'));
  const buffer = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(buffer).set(bytes);
  return new Type(buffer);
}

export function arraysOf(json: SerializedBoosting): Arrays {
  const a = json.arrays;
  return {
    baseline: decode(a.baseline, Float64Array),
    nodeOffsets: decode(a.nodeOffsets, Int32Array),
    feature: decode(a.feature, Int32Array),
    threshold: decode(a.threshold, Float64Array),
    missingLeft: decode(a.missingLeft, Uint8Array),
    right: decode(a.right, Int32Array),
    values: decode(a.values, Float64Array),
  };
}

/** Like toJSON's encoding: raw deflate, base64. */
export function encode(array: Int32Array | Float64Array | Uint8Array): string {
  return deflateRawSync(new Uint8Array(array.buffer, array.byteOffset, array.byteLength)).toString('base64');
}

/** Leaf (node index) that tree t sends `x` to, by the stored rule: x <= threshold left, NaN by missingLeft. */
export function leafOf(a: Arrays, t: number, x: ArrayLike<number>): number {
  let i = a.nodeOffsets[t]!;
  while (a.feature[i]! >= 0) {
    const v = x[a.feature[i]!]!;
    i = v <= a.threshold[i]! || (Number.isNaN(v) && a.missingLeft[i] === 1) ? i + 1 : a.right[i]!;
  }
  return i;
}

/** Class probabilities computed the slow, obvious way from the stored arrays. */
export function referenceProba(json: SerializedBoosting, x: ArrayLike<number>): number[] {
  const a = arraysOf(json);
  const K = json.nClasses;
  const leafIndex = new Map<number, number>();
  for (let i = 0, k = 0; i < a.feature.length; i++) if (a.feature[i]! < 0) leafIndex.set(i, k++);
  const raw = Array.from(a.baseline);
  for (let t = 0; t + 1 < a.nodeOffsets.length; t++)
    raw[t % K]! += a.values[leafIndex.get(leafOf(a, t, x))!]!;
  const max = Math.max(...raw);
  const e = raw.map((v) => Math.exp(v - max));
  const sum = e.reduce((s, v) => s + v, 0);
  return e.map((v) => v / sum);
}
