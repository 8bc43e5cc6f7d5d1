import { describe, expect, it } from 'vitest';
import { GradientBoosting } from '../../../src/model/boosting/estimator.js';
import type { BoostingOptions } from '../../../src/model/boosting/params.js';
import { Random } from '../../../src/sampling/random.js';
import { FAST, arraysOf, leafOf, row, threeClasses } from './boosting-fixtures.js';

describe('HistogramTreeGrower', () => {
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
});
