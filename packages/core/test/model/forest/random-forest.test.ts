import { describe, expect, it } from 'vitest';
import { trainForest } from '../../../src/model/forest/training.js';
import { threeClassSet } from './forest-fixtures.js';

describe('RandomForest', () => {
  it('returns class probabilities that sum to 1 and predicts their argmax', async () => {
    const { X, y } = threeClassSet(400, 3, { noise: 0.2 });
    const forest = await trainForest(X, y, 3, { nTrees: 10, threads: 1 });
    const row = X.data.subarray(0, X.nFeatures);
    const proba = forest.predictProba(row);
    expect(proba.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(forest.predict(row)).toBe(proba.indexOf(Math.max(...proba)));
    // A caller's buffer is filled in place; a plain array row works too.
    const out = new Float64Array(3);
    expect(forest.predictProba(Array.from(row), out)).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(proba));
    const batch = forest.predictProbaBatch(X);
    expect(Array.from(batch.subarray(0, 3))).toEqual(Array.from(proba));
  });

  it('predicts through its flat cache-ordered layout exactly what walking each grown tree gives', async () => {
    const { X, y } = threeClassSet(600, 14, { noise: 0.2, missing: 0.1 });
    // Deep trees (more than the breadth-first hot levels) with missing values in both directions.
    const forest = await trainForest(X, y, 3, { nTrees: 9, threads: 1 });
    const rows = [...Array.from({ length: 50 }, (_, r) => Array.from(X.data.subarray(r * 6, r * 6 + 6)))];
    rows.push(new Array<number>(6).fill(Number.NaN), [0.5, Number.NaN, 0.2, 0.9, Number.NaN, 0.1]);
    for (const row of rows) {
      const expected = [0, 0, 0];
      for (let t = 0; t < forest.nTrees; t++) {
        const tree = forest.treeAt(t);
        let i = 0;
        while (tree.feature[i]! >= 0) {
          const v = row[tree.feature[i]!]!;
          const goLeft = Number.isNaN(v) ? tree.missingLeft[i] === 1 : v <= tree.threshold[i]!;
          i = goLeft ? tree.left[i]! : tree.right[i]!;
        }
        for (let c = 0; c < 3; c++) expected[c]! += tree.values[tree.left[i]! + c]!;
      }
      const proba = forest.predictProba(row);
      for (let c = 0; c < 3; c++) expect(proba[c]).toBeCloseTo(expected[c]! / forest.nTrees, 14);
    }
  });

  it('handles missing values at prediction time, trained with or without them', async () => {
    const { X, y } = threeClassSet(300, 7, { missing: 0.2 });
    const forest = await trainForest(X, y, 3, { nTrees: 5, threads: 1 });
    const proba = forest.predictProba(new Float64Array(X.nFeatures).fill(Number.NaN));
    expect(proba.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('rejects a prediction row of the wrong length', async () => {
    const { X, y } = threeClassSet(20, 11);
    const forest = await trainForest(X, y, 3, { nTrees: 2, threads: 1 });
    expect(() => forest.predictProba([1, 2])).toThrow(/row has 2 values, expected nFeatures = 6/);
  });
});
