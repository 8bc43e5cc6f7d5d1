import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  BOOSTING_FORMAT_VERSION,
  BOOSTING_KIND,
  type BoostingOptions,
  GradientBoosting,
  type SerializedBoosting,
} from '../../../src/model/boosting/estimator.js';
import type { Dataset } from '../../../src/features/dataset.js';
import { BundleFormatError, InvalidArgumentError } from '../../../src/errors.js';
import { argmaxRow } from '../../../src/model/metrics.js';
import { Random } from '../../../src/sampling/random.js';
import { threeClassSet } from '../forest/forest-fixtures.js';

/** Few rounds and small trees: the tests check behaviour, not accuracy at scale. */
const FAST: BoostingOptions = { iterations: 30, learningRate: 0.2, maxLeafNodes: 8, minSamplesLeaf: 5 };

/** The forest tests' three-class rule, on five features. */
function threeClasses(
  nRows: number,
  seed: number,
  options: { noise?: number; missing?: number } = {},
): { X: Dataset; y: Uint8Array } {
  return threeClassSet(nRows, seed, { nFeatures: 5, ...options });
}

function row(X: Dataset, r: number): Float64Array {
  return X.data.slice(r * X.nFeatures, (r + 1) * X.nFeatures);
}

function accuracy(model: GradientBoosting, X: Dataset, y: Uint8Array): number {
  const proba = model.predictProbaBatch(X);
  const K = model.nClasses;
  let correct = 0;
  for (let r = 0; r < X.nRows; r++) if (argmaxRow(proba, r * K, K) === y[r]) correct++;
  return correct / X.nRows;
}

type Arrays = {
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

function arraysOf(json: SerializedBoosting): Arrays {
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
function encode(array: Int32Array | Float64Array | Uint8Array): string {
  return deflateRawSync(new Uint8Array(array.buffer, array.byteOffset, array.byteLength)).toString('base64');
}

/** Leaf (node index) that tree t sends `x` to, by the stored rule: x <= threshold left, NaN by missingLeft. */
function leafOf(a: Arrays, t: number, x: ArrayLike<number>): number {
  let i = a.nodeOffsets[t]!;
  while (a.feature[i]! >= 0) {
    const v = x[a.feature[i]!]!;
    i = v <= a.threshold[i]! || (Number.isNaN(v) && a.missingLeft[i] === 1) ? i + 1 : a.right[i]!;
  }
  return i;
}

/** Class probabilities computed the slow, obvious way from the stored arrays. */
function referenceProba(json: SerializedBoosting, x: ArrayLike<number>): number[] {
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

describe('GradientBoosting.fit', () => {
  it('learns a separable problem', () => {
    const train = threeClasses(1500, 1);
    const test = threeClasses(500, 2);
    const model = GradientBoosting.fit(train.X, train.y, 3, { ...FAST, iterations: 60 });
    expect(model.nClasses).toBe(3);
    expect(model.nFeatures).toBe(5);
    expect(model.iterations).toBe(60);
    expect(accuracy(model, test.X, test.y)).toBeGreaterThan(0.93);
  });

  it('returns probabilities that sum to 1, in a caller buffer or a new one, for array and typed rows', () => {
    const { X, y } = threeClasses(400, 3, { noise: 0.2 });
    const model = GradientBoosting.fit(X, y, 3, FAST);
    const first = row(X, 0);
    const proba = model.predictProba(first);
    expect(proba.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    for (const p of proba) expect(p).toBeGreaterThan(0);
    expect(model.predict(first)).toBe(proba.indexOf(Math.max(...proba)));
    const out = new Float64Array(3);
    expect(model.predictProba(Array.from(first), out)).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(proba));
    const batch = model.predictProbaBatch(X);
    expect(batch.length).toBe(X.nRows * 3);
    for (let r = 0; r < X.nRows; r++) {
      expect(Array.from(batch.subarray(3 * r, 3 * r + 3))).toEqual(Array.from(model.predictProba(row(X, r))));
      expect(batch[3 * r]! + batch[3 * r + 1]! + batch[3 * r + 2]!).toBeCloseTo(1, 12);
    }
  });

  it('predicts what the stored trees say, for present, missing and infinite values', () => {
    const { X, y } = threeClasses(600, 4, { noise: 0.1, missing: 0.1 });
    const model = GradientBoosting.fit(X, y, 3, FAST);
    const json = model.toJSON();
    const random = new Random(5);
    for (let r = 0; r < 200; r++) {
      const x = row(X, r);
      if (r % 3 === 0) x[random.nextInt(5)] = Number.NaN;
      if (r % 17 === 0) x[2] = Infinity;
      if (r % 19 === 0) x[3] = -Infinity;
      if (r % 23 === 0) x[0] = 0.5; // a value between training values
      const expected = referenceProba(json, x);
      const got = model.predictProba(x);
      for (let k = 0; k < 3; k++) expect(got[k]).toBeCloseTo(expected[k]!, 12);
    }
  });

  it('is deterministic: the same data and options give the same model', () => {
    const { X, y } = threeClasses(500, 6, { noise: 0.1, missing: 0.05 });
    const a = GradientBoosting.fit(X, y, 3, FAST);
    const b = GradientBoosting.fit(X, y, 3, FAST);
    expect(JSON.stringify(b.toJSON())).toBe(JSON.stringify(a.toJSON()));
    const c = GradientBoosting.fit(X, y, 3, { ...FAST, learningRate: 0.1 });
    expect(JSON.stringify(c.toJSON())).not.toBe(JSON.stringify(a.toJSON()));
  });

  it('round-trips through toJSON / fromJSON and JSON text with identical predictions', () => {
    const { X, y } = threeClasses(500, 7, { noise: 0.1, missing: 0.05 });
    const model = GradientBoosting.fit({ ...X, featureNames: ['a', 'b', 'c', 'd', 'e'] }, y, 3, FAST);
    const json = model.toJSON();
    expect(json.kind).toBe(BOOSTING_KIND);
    expect(json.formatVersion).toBe(BOOSTING_FORMAT_VERSION);
    expect(json.params).toEqual({
      iterations: 30,
      learningRate: 0.2,
      maxLeafNodes: 8,
      maxDepth: null,
      minSamplesLeaf: 5,
      l2Regularization: 1,
      classWeight: 'balanced',
      maxBins: 256,
    });
    const direct = GradientBoosting.fromJSON(json);
    const viaText = GradientBoosting.fromJSON(JSON.parse(JSON.stringify(json)));
    expect(viaText.featureNames).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(viaText.params).toEqual(model.params);
    const expected = model.predictProbaBatch(X);
    expect(Array.from(direct.predictProbaBatch(X))).toEqual(Array.from(expected));
    expect(Array.from(viaText.predictProbaBatch(X))).toEqual(Array.from(expected));
    expect(JSON.stringify(viaText.toJSON())).toBe(JSON.stringify(json));
  });

  it('learns from missing values and sends them the better way', () => {
    // Class 1 exactly when feature 0 is missing; feature 1 is noise.
    const random = new Random(8);
    const n = 400;
    const data = new Float64Array(n * 2);
    const y = new Uint8Array(n);
    for (let r = 0; r < n; r++) {
      y[r] = r % 4 === 0 ? 1 : 0;
      data[2 * r] = y[r] === 1 ? Number.NaN : random.nextFloat();
      data[2 * r + 1] = random.nextFloat();
    }
    const model = GradientBoosting.fit({ data, nRows: n, nFeatures: 2 }, y, 2, FAST);
    expect(model.predict([Number.NaN, 0.5])).toBe(1);
    expect(model.predict([0.3, 0.5])).toBe(0);
    expect(model.predictProba([Number.NaN, Number.NaN])[1]).toBeGreaterThan(0.9);
    const a = arraysOf(model.toJSON());
    // The root of the first tree separates present from missing values of feature 0.
    expect(a.feature[0]).toBe(0);
  });

  it('sends a missing value never seen in training to the child that had more rows', () => {
    // One stump on one feature: 70 rows at x <= 0 (class 0), 30 rows at x > 0 (class 1).
    const n = 100;
    const data = Float64Array.from({ length: n }, (_, r) => (r < 70 ? -1 - r / 100 : 1 + r / 100));
    const y = Uint8Array.from({ length: n }, (_, r) => (r < 70 ? 0 : 1));
    const stump: BoostingOptions = { iterations: 1, maxLeafNodes: 2, minSamplesLeaf: 1, classWeight: null };
    const model = GradientBoosting.fit({ data, nRows: n, nFeatures: 1 }, y, 2, stump);
    const a = arraysOf(model.toJSON());
    expect(a.feature[0]).toBe(0);
    // Halfway between the closest training values on either side, -1 and 1.7.
    expect(a.threshold[0]).toBeCloseTo(0.35, 12);
    expect(Array.from(model.predictProba([Number.NaN]))).toEqual(Array.from(model.predictProba([-5])));
    // More rows on the right: missing values go right.
    const flipped = GradientBoosting.fit({ data: data.map((v) => -v), nRows: n, nFeatures: 1 }, y, 2, stump);
    expect(Array.from(flipped.predictProba([Number.NaN]))).toEqual(Array.from(flipped.predictProba([5])));
  });

  it('keeps at least minSamplesLeaf training rows in every leaf and respects maxLeafNodes and maxDepth', () => {
    const { X, y } = threeClasses(700, 9, { noise: 0.3, missing: 0.05 });
    for (const options of [
      { minSamplesLeaf: 37, maxLeafNodes: 16 },
      { minSamplesLeaf: 5, maxLeafNodes: 10 },
      { minSamplesLeaf: 5, maxLeafNodes: 64, maxDepth: 3 },
    ]) {
      const model = GradientBoosting.fit(X, y, 3, { ...FAST, iterations: 5, ...options });
      const a = arraysOf(model.toJSON());
      const nTrees = a.nodeOffsets.length - 1;
      expect(nTrees).toBe(15);
      for (let t = 0; t < nTrees; t++) {
        const counts = new Map<number, number>();
        for (let r = 0; r < X.nRows; r++) {
          const leaf = leafOf(a, t, row(X, r));
          counts.set(leaf, (counts.get(leaf) ?? 0) + 1);
        }
        let leaves = 0;
        const depth = new Map<number, number>([[a.nodeOffsets[t]!, 0]]);
        for (let i = a.nodeOffsets[t]!; i < a.nodeOffsets[t + 1]!; i++) {
          const d = depth.get(i)!;
          if (a.feature[i]! >= 0) {
            depth.set(i + 1, d + 1);
            depth.set(a.right[i]!, d + 1);
          } else {
            leaves++;
            expect(counts.get(i) ?? 0).toBeGreaterThanOrEqual(options.minSamplesLeaf);
            if (options.maxDepth !== undefined) expect(d).toBeLessThanOrEqual(options.maxDepth);
          }
        }
        expect(leaves).toBeGreaterThan(1);
        expect(leaves).toBeLessThanOrEqual(options.maxLeafNodes);
      }
    }
  });

  it('weighs classes: balanced weights raise the minority class on imbalanced data', () => {
    // Overlapping classes, 1 row in 10 of class 1.
    const random = new Random(10);
    const n = 1000;
    const data = new Float64Array(n);
    const y = new Uint8Array(n);
    for (let r = 0; r < n; r++) {
      y[r] = r % 10 === 0 ? 1 : 0;
      data[r] = random.nextFloat() + (y[r] === 1 ? 0.3 : 0);
    }
    const X = { data, nRows: n, nFeatures: 1 };
    const balanced = GradientBoosting.fit(X, y, 2, FAST);
    const plain = GradientBoosting.fit(X, y, 2, { ...FAST, classWeight: null });
    const meanMinority = (model: GradientBoosting): number => {
      const proba = model.predictProbaBatch(X);
      let sum = 0;
      for (let r = 0; r < n; r++) sum += proba[2 * r + 1]!;
      return sum / n;
    };
    // Unweighted, the mean probability of class 1 is about its share (0.1); balanced
    // weights make both classes weigh the same, which at least doubles it.
    expect(meanMinority(plain)).toBeLessThan(0.15);
    expect(meanMinority(balanced)).toBeGreaterThan(2 * meanMinority(plain));
    let predictedPlain = 0;
    let predictedBalanced = 0;
    for (let r = 0; r < n; r++) {
      predictedPlain += plain.predict([data[r]!]);
      predictedBalanced += balanced.predict([data[r]!]);
    }
    expect(predictedBalanced).toBeGreaterThan(predictedPlain);
  });

  it('reports progress after each round and stops between rounds when aborted', () => {
    const { X, y } = threeClasses(300, 11);
    const calls: [number, number][] = [];
    GradientBoosting.fit(X, y, 3, {
      ...FAST,
      iterations: 7,
      onProgress: (done, total) => calls.push([done, total]),
    });
    expect(calls).toEqual([1, 2, 3, 4, 5, 6, 7].map((done) => [done, 7]));

    const controller = new AbortController();
    const reason = new Error('stop now');
    let rounds = 0;
    expect(() =>
      GradientBoosting.fit(X, y, 3, {
        ...FAST,
        iterations: 50,
        signal: controller.signal,
        onProgress: (done) => {
          rounds = done;
          if (done === 3) controller.abort(reason);
        },
      }),
    ).toThrow(reason);
    expect(rounds).toBe(3);
    // An already aborted signal stops before any work.
    expect(() => GradientBoosting.fit(X, y, 3, { ...FAST, signal: AbortSignal.abort(reason) })).toThrow(
      reason,
    );
  });

  it('refuses bad options and inputs with errors naming them', () => {
    const { X, y } = threeClasses(50, 12);
    const bad: [BoostingOptions, RegExp][] = [
      [{ iterations: 0 }, /iterations must be an integer >= 1, got 0/],
      [{ iterations: 2.5 }, /iterations/],
      [{ learningRate: 0 }, /learningRate must be a finite number > 0, got 0/],
      [{ learningRate: Number.NaN }, /learningRate/],
      [{ maxLeafNodes: 1 }, /maxLeafNodes must be an integer >= 2, got 1/],
      [{ maxDepth: 0 }, /maxDepth must be an integer >= 1, got 0/],
      [{ minSamplesLeaf: 0 }, /minSamplesLeaf must be an integer >= 1/],
      [{ l2Regularization: -1 }, /l2Regularization must be a finite number >= 0, got -1/],
      [{ classWeight: 'balanced_subsample' as 'balanced' }, /classWeight must be 'balanced' or null/],
      [{ maxBins: 2 }, /maxBins must be an integer in \[3, 256\], got 2/],
      [{ maxBins: 257 }, /maxBins/],
      [{ onProgress: 5 as unknown as () => void }, /onProgress must be a function/],
      [{ signal: {} as AbortSignal }, /signal must be an AbortSignal/],
    ];
    for (const [options, message] of bad) {
      expect(() => GradientBoosting.fit(X, y, 3, options)).toThrow(InvalidArgumentError);
      expect(() => GradientBoosting.fit(X, y, 3, options)).toThrow(message);
    }
    expect(() => GradientBoosting.fit(X, y, 1)).toThrow(/nClasses must be an integer in \[2, 256\], got 1/);
    expect(() => GradientBoosting.fit(X, y.subarray(1), 3)).toThrow(/y has 49 labels but X has 50 rows/);
    expect(() =>
      GradientBoosting.fit(
        X,
        Uint8Array.from(y, () => 3),
        3,
      ),
    ).toThrow(/y\[0\] = 3/);
    expect(() => GradientBoosting.fit({ ...X, nRows: 49 }, y, 3)).toThrow(/X\.data has 250 values/);
    expect(() => GradientBoosting.fit({ data: new Float64Array(0), nRows: 0, nFeatures: 5 }, [], 3)).toThrow(
      /X has no rows/,
    );
    const model = GradientBoosting.fit(X, y, 3, { ...FAST, iterations: 2 });
    expect(() => model.predictProba([1, 2])).toThrow(/row has 2 values, expected nFeatures = 5/);
    expect(() => model.predictProba(row(X, 0), new Float64Array(2))).toThrow(/out has 2 slots/);
    expect(() => model.predictProbaBatch({ data: new Float64Array(4), nRows: 2, nFeatures: 2 })).toThrow(
      /X has 2 features, expected 5/,
    );
  });
});

describe('GradientBoosting.fromJSON', () => {
  const { X, y } = threeClasses(300, 13, { missing: 0.05 });
  const json = GradientBoosting.fit(X, y, 3, { ...FAST, iterations: 4 }).toJSON();
  const clone = (): SerializedBoosting => JSON.parse(JSON.stringify(json)) as SerializedBoosting;
  const withArray = (
    name: keyof SerializedBoosting['arrays'],
    array: Int32Array | Float64Array | Uint8Array,
  ) => {
    const copy = clone();
    copy.arrays[name] = encode(array);
    return copy;
  };

  it('names the field that is wrong', () => {
    const cases: [unknown, RegExp][] = [
      [null, /boosting JSON must be an object, got null/],
      [[], /must be an object, got array/],
      [{ ...clone(), kind: 'random-forest' }, /not a gradient-boosting model: got kind "random-forest"/],
      [{ ...clone(), formatVersion: 2 }, /unsupported gradient-boosting format: got v2, expected v1/],
      [{ ...clone(), encoding: 'gzip' }, /encoding "gzip"/],
      [{ ...clone(), nClasses: 1 }, /nClasses must be an integer in \[2, 256\], got 1/],
      [{ ...clone(), nFeatures: 0 }, /nFeatures must be a positive integer, got 0/],
      [{ ...clone(), featureNames: ['a'] }, /featureNames must be an array of nFeatures = 5 strings/],
      [{ ...clone(), params: null }, /params must be an object, got null/],
      [
        { ...clone(), params: { ...json.params, learningRate: -1 } },
        /params\.learningRate must be a finite number > 0/,
      ],
      [{ ...clone(), params: { ...json.params, maxDepth: undefined } }, /params\.maxDepth is missing/],
      [
        { ...clone(), params: { ...json.params, iterations: 5 } },
        /arrays\.nodeOffsets has \d+ values, expected 16/,
      ],
      [{ ...clone(), arrays: 'x' }, /arrays must be an object, got string/],
      [
        { ...clone(), arrays: { ...json.arrays, threshold: undefined } },
        /arrays\.threshold must be a string, got undefined/,
      ],
      [{ ...clone(), arrays: { ...json.arrays, values: 'not deflate!' } }, /arrays\.values/],
      [
        { ...clone(), arrays: { ...json.arrays, baseline: json.arrays.values } },
        /arrays\.baseline has \d+ values, expected 3/,
      ],
    ];
    for (const [input, message] of cases) {
      expect(() => GradientBoosting.fromJSON(input)).toThrow(BundleFormatError);
      expect(() => GradientBoosting.fromJSON(input)).toThrow(message);
    }
  });

  it('refuses arrays that do not form valid trees', () => {
    const a = arraysOf(json);
    const firstSplit = a.feature.findIndex((f) => f >= 0);
    const cases: [SerializedBoosting, RegExp][] = [];
    const right = a.right.slice();
    right[firstSplit] = firstSplit; // a loop
    cases.push([withArray('right', right), /arrays\.right\[\d+\] = \d+, expected \d+/]);
    const feature = a.feature.slice();
    feature[firstSplit] = 5;
    cases.push([withArray('feature', feature), /arrays\.feature\[\d+\] = 5, expected < nFeatures = 5/]);
    const threshold = a.threshold.slice();
    threshold[firstSplit] = Number.NaN;
    cases.push([withArray('threshold', threshold), /arrays\.threshold\[\d+\] is NaN/]);
    const missing = a.missingLeft.slice();
    missing[0] = 2;
    cases.push([withArray('missingLeft', missing), /arrays\.missingLeft\[0\] = 2/]);
    const values = a.values.slice();
    values[0] = Infinity;
    cases.push([withArray('values', values), /arrays\.values\[0\] is not finite/]);
    const offsets = a.nodeOffsets.slice();
    offsets[1] = offsets[0]!;
    cases.push([withArray('nodeOffsets', offsets), /arrays\.nodeOffsets: tree 0 is empty/]);
    for (const [input, message] of cases) {
      expect(() => GradientBoosting.fromJSON(input)).toThrow(BundleFormatError);
      expect(() => GradientBoosting.fromJSON(input)).toThrow(message);
    }
  });

  it('predicts with trees too large to pack, one tree at a time', () => {
    // Two trees (two classes, one round): a chain of 5000 splits on feature 0
    // (thresholds 0, 1, 2, ...: left is a leaf, right goes on) and a stump.
    const chain = 5000;
    const nNodes = 2 * chain + 1 + 3;
    const feature = new Int32Array(nNodes).fill(-1);
    const threshold = new Float64Array(nNodes);
    const right = new Int32Array(nNodes).fill(-1);
    const values: number[] = [];
    for (let j = 0; j < chain; j++) {
      feature[2 * j] = 0;
      threshold[2 * j] = j;
      right[2 * j] = 2 * j + 2;
      values.push(j / 1000); // leaf 2j + 1
    }
    values.push(-1); // last leaf
    const stump = 2 * chain + 1;
    feature[stump] = 0;
    threshold[stump] = 10.5;
    right[stump] = stump + 2;
    values.push(0.25, -0.25);
    const big: SerializedBoosting = {
      ...clone(),
      nClasses: 2,
      nFeatures: 1,
      params: { ...json.params, iterations: 1 },
      arrays: {
        baseline: encode(new Float64Array([0, 0])),
        nodeOffsets: encode(new Int32Array([0, stump, nNodes])),
        feature: encode(feature),
        threshold: encode(threshold),
        missingLeft: encode(new Uint8Array(nNodes)),
        right: encode(right),
        values: encode(Float64Array.from(values)),
      },
    };
    delete big.featureNames;
    const model = GradientBoosting.fromJSON(big);
    for (const x of [-3, 0, 0.5, 7, 10.5, 12, 4999, 5000.5, Number.NaN]) {
      const expected = referenceProba(big, [x]);
      const got = model.predictProba([x]);
      expect(got[0]).toBeCloseTo(expected[0]!, 12);
      expect(got[1]).toBeCloseTo(expected[1]!, 12);
    }
  });
});

describe('GradientBoosting.fitAsync', () => {
  it('gives the same model as fit while timers keep firing during training', async () => {
    const { X, y } = threeClasses(3000, 31, { noise: 0.1 });
    const options: BoostingOptions = { iterations: 100, maxLeafNodes: 31, minSamplesLeaf: 5 };
    const sync = GradientBoosting.fit(X, y, 3, options);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const started = performance.now();
    const model = await GradientBoosting.fitAsync(X, y, 3, options);
    const elapsed = performance.now() - started;
    clearInterval(timer);
    expect(JSON.stringify(model.toJSON())).toBe(JSON.stringify(sync.toJSON()));
    // At most 20 ms of work between turns of the event loop, so a longer training let the timer fire.
    expect(elapsed).toBeGreaterThan(40);
    expect(ticks).toBeGreaterThan(0);
  });

  it('stops between rounds when the signal aborts, rejecting with its reason', async () => {
    const { X, y } = threeClasses(2000, 32);
    const controller = new AbortController();
    const reason = new Error('stop now');
    const training = GradientBoosting.fitAsync(X, y, 3, {
      iterations: 500,
      onProgress: (done) => {
        if (done === 3) controller.abort(reason);
      },
      signal: controller.signal,
    });
    await expect(training).rejects.toBe(reason);
  });
});
