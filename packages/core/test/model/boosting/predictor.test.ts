import { describe, expect, it } from 'vitest';
import { GradientBoosting } from '../../../src/model/boosting/estimator.js';
import type { SerializedBoosting } from '../../../src/model/boosting/format.js';
import { Random } from '../../../src/sampling/random.js';
import { FAST, encode, referenceProba, row, threeClasses } from './boosting-fixtures.js';

describe('Predictor', () => {
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

  it('predicts with trees too large to pack, one tree at a time', () => {
    const { X, y } = threeClasses(300, 13, { missing: 0.05 });
    const json = GradientBoosting.fit(X, y, 3, { ...FAST, iterations: 4 }).toJSON();
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
      ...(JSON.parse(JSON.stringify(json)) as SerializedBoosting),
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
