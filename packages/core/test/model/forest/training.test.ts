import { describe, expect, it } from 'vitest';
import { datasetFromRows } from '../../../src/features/dataset.js';
import { InvalidArgumentError } from '../../../src/errors.js';
import type { RandomForest } from '../../../src/model/forest/random-forest.js';
import { trainForest } from '../../../src/model/forest/training.js';
import { argmaxRow } from '../../../src/model/metrics.js';
import { Random } from '../../../src/sampling/random.js';
import { threeClassSet } from './forest-fixtures.js';

function accuracy(
  forest: RandomForest,
  X: { data: Float64Array; nRows: number; nFeatures: number },
  y: Uint8Array,
) {
  const proba = forest.predictProbaBatch(X);
  let correct = 0;
  const k = forest.nClasses;
  for (let r = 0; r < X.nRows; r++) if (argmaxRow(proba, r * k, k) === y[r]) correct++;
  return correct / X.nRows;
}

describe('trainForest', () => {
  it('learns a known rule and ranks the deciding features first', async () => {
    const train = threeClassSet(1500, 1);
    const test = threeClassSet(500, 2);
    const forest = await trainForest(train.X, train.y, 3, { nTrees: 30, threads: 1 });
    expect(forest.nTrees).toBe(30);
    expect(accuracy(forest, test.X, test.y)).toBeGreaterThan(0.9);
    const importances = forest.featureImportances();
    expect(importances.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // Features 0 and 1 decide the class; 2..5 are noise.
    for (let f = 2; f < 6; f++) {
      expect(importances[0]!).toBeGreaterThan(importances[f]!);
      expect(importances[1]!).toBeGreaterThan(importances[f]!);
    }
  });

  it('makes the same forest for the same seed and another for another seed', async () => {
    const { X, y } = threeClassSet(600, 4, { noise: 0.1 });
    const a = await trainForest(X, y, 3, { nTrees: 8, seed: 7, threads: 1 });
    const b = await trainForest(X, y, 3, { nTrees: 8, seed: 7, threads: 1 });
    const c = await trainForest(X, y, 3, { nTrees: 8, seed: 8, threads: 1 });
    expect(JSON.stringify(b.toJSON())).toBe(JSON.stringify(a.toJSON()));
    expect(JSON.stringify(c.toJSON())).not.toBe(JSON.stringify(a.toJSON()));
  });

  it('grows extremely randomized trees for the extraTrees share: alternating, deterministic, thread-independent', async () => {
    const train = threeClassSet(1200, 21, { noise: 0.05, missing: 0.05 });
    const test = threeClassSet(400, 22, { noise: 0.05 });
    const options = { nTrees: 10, seed: 5, extraTrees: 0.5 };
    const one = await trainForest(train.X, train.y, 3, { ...options, threads: 1 });
    const two = await trainForest(train.X, train.y, 3, { ...options, threads: 2 });
    expect(JSON.stringify(two.toJSON())).toBe(JSON.stringify(one.toJSON()));
    expect(one.params.extraTrees).toBe(0.5);
    expect(accuracy(one, test.X, test.y)).toBeGreaterThan(0.85);
    // Even trees are the plain forest's trees (same seed, same bootstrap); odd ones are not.
    const plain = await trainForest(train.X, train.y, 3, { ...options, extraTrees: 0, threads: 1 });
    for (let t = 0; t < 10; t++) {
      const same = JSON.stringify(one.treeAt(t)) === JSON.stringify(plain.treeAt(t));
      expect(same).toBe(t % 2 === 0);
    }
  });

  it('cuts extremely randomized trees at random thresholds, still learning the rule', async () => {
    const train = threeClassSet(1500, 23);
    const test = threeClassSet(500, 24);
    const forest = await trainForest(train.X, train.y, 3, { nTrees: 30, extraTrees: 1, threads: 1 });
    expect(accuracy(forest, test.X, test.y)).toBeGreaterThan(0.85);
    // Random thresholds need more cuts than best ones to separate the same rows.
    const best = await trainForest(train.X, train.y, 3, { nTrees: 30, extraTrees: 0, threads: 1 });
    const nodes = (f: RandomForest) =>
      Array.from({ length: f.nTrees }, (_, t) => f.treeAt(t).feature.length).reduce((a, b) => a + b, 0);
    expect(nodes(forest)).toBeGreaterThan(nodes(best));
  });

  it('with balanced class weights, predicts a rare class where it is relatively most frequent', async () => {
    // Class 1 is 10 % of rows below x = 0.5 and 30 % above: never the majority anywhere.
    const random = new Random(9);
    const rows: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < 4000; i++) {
      const x = random.nextFloat();
      rows.push([x]);
      labels.push(random.nextFloat() < (x < 0.5 ? 0.1 : 0.3) ? 1 : 0);
    }
    const X = datasetFromRows(rows);
    const y = Uint8Array.from(labels);
    const options = { nTrees: 20, threads: 1, minSamplesLeaf: 100 };
    const balanced = await trainForest(X, y, 2, { ...options, classWeight: 'balanced' });
    const unweighted = await trainForest(X, y, 2, { ...options, classWeight: null });
    // Balanced weights: 4000 / (2 * ~800) = ~2.5 for class 1, so 30 % becomes ~52 % of the weight above 0.5.
    expect(balanced.predict([0.9])).toBe(1);
    expect(balanced.predict([0.1])).toBe(0);
    expect(unweighted.predict([0.9])).toBe(0);
  });

  it('reports progress from the resume point to the last tree', async () => {
    const { X, y } = threeClassSet(200, 8);
    const calls: [number, number, number][] = [];
    await trainForest(X, y, 3, {
      nTrees: 6,
      threads: 1,
      onProgress: (done, total, progress) => calls.push([done, total, progress.resumedFrom]),
    });
    expect(calls[0]).toEqual([0, 6, 0]);
    expect(calls.map((c) => c[0])).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('stops between trees when the signal aborts, rejecting with its reason', async () => {
    const { X, y } = threeClassSet(300, 9);
    const controller = new AbortController();
    const seen: number[] = [];
    const training = trainForest(X, y, 3, {
      nTrees: 50,
      threads: 2,
      signal: controller.signal,
      onProgress: (done) => {
        seen.push(done);
        if (done === 3) controller.abort(new Error('cancelled by test'));
      },
    });
    await expect(training).rejects.toThrow('cancelled by test');
    expect(Math.max(...seen)).toBeLessThan(50);
  });

  it('rejects an already aborted signal before any work', async () => {
    const { X, y } = threeClassSet(50, 10);
    await expect(trainForest(X, y, 3, { signal: AbortSignal.abort() })).rejects.toThrow(/abort/i);
  });
});

describe('trainForest input checks', () => {
  const { X, y } = threeClassSet(20, 11);

  it.each([
    [
      'a label count that differs from the row count',
      () => trainForest(X, y.subarray(0, 19), 3),
      /y has 19 labels but X has 20 rows/,
    ],
    [
      'a label outside the classes',
      () => trainForest(X, Uint8Array.from(y).fill(3, 0, 1), 3),
      /y\[0\] = 3 .*\[0, 2\]/,
    ],
    [
      'a NaN label',
      () =>
        trainForest(
          X,
          Array.from(y, (v, i) => (i === 4 ? Number.NaN : v)),
          3,
        ),
      /y\[4\] = NaN/,
    ],
    [
      'a fractional label',
      () =>
        trainForest(
          X,
          Array.from(y, (v, i) => (i === 2 ? 0.5 : v)),
          3,
        ),
      /y\[2\] = 0.5/,
    ],
    [
      'an extraTrees share outside [0, 1]',
      () => trainForest(X, y, 3, { extraTrees: 1.5 }),
      /extraTrees must be a share in \[0, 1\], got 1.5/,
    ],
    [
      'fewer than two classes',
      () => trainForest(X, y, 1),
      /nClasses must be an integer in \[2, 256\], got 1/,
    ],
    [
      'a data length that does not match the shape',
      () => trainForest({ ...X, nRows: 21 }, y, 3),
      /X.data has 120 values, expected/,
    ],
    ['a bad tree count', () => trainForest(X, y, 3, { nTrees: 0 }), /nTrees must be an integer >= 1, got 0/],
    ['a bad maxFeatures', () => trainForest(X, y, 3, { maxFeatures: 7 }), /maxFeatures .*got 7/],
    [
      'a bad classWeight',
      () => trainForest(X, y, 3, { classWeight: 'equal' as never }),
      /classWeight .*"equal"/,
    ],
    [
      'a bad thread count',
      () => trainForest(X, y, 3, { threads: 0 }),
      /threads must be an integer >= 1, got 0/,
    ],
  ])('rejects %s with an InvalidArgumentError naming it', async (_name, train, message) => {
    await expect(train()).rejects.toThrow(InvalidArgumentError);
    await expect(train()).rejects.toThrow(message);
  });
});
