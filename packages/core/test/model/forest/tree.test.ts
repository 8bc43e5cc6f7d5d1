import { describe, expect, it } from 'vitest';
import { binDataset, fitBinEdges } from '../../../src/model/binning.js';
import { type Dataset, datasetFromRows } from '../../../src/features/dataset.js';
import { Random } from '../../../src/sampling/random.js';
import {
  type GrownTree,
  type TreeParams,
  TreeGrower,
  balancedClassWeights,
} from '../../../src/model/forest/tree.js';

const exact: TreeParams = {
  maxDepth: Infinity,
  minSamplesLeaf: 1,
  minSamplesSplit: 2,
  maxFeatures: 1,
  classWeight: null,
  bootstrap: false,
  extraTrees: 0,
  seed: 1,
};

function growOne(
  X: Dataset,
  y: number[],
  nClasses: number,
  params: Partial<TreeParams> = {},
  index = 0,
): GrownTree {
  const edges = fitBinEdges(X);
  const grower = new TreeGrower(
    {
      bins: binDataset(X, edges),
      nRows: X.nRows,
      nFeatures: X.nFeatures,
      y: Uint8Array.from(y),
      nClasses,
      edges,
    },
    { ...exact, maxFeatures: X.nFeatures, ...params },
  );
  return grower.grow(index);
}

/** Follows the documented routing rule to the leaf of `row`; returns the leaf's node index. */
function leafOf(tree: GrownTree, row: number[]): number {
  let i = 0;
  while (tree.feature[i]! >= 0) {
    const v = row[tree.feature[i]!]!;
    const t = tree.threshold[i]!;
    if (v <= t) i = tree.left[i]!;
    else if (v > t) i = tree.right[i]!;
    else i = tree.missingLeft[i] === 1 ? tree.left[i]! : tree.right[i]!;
  }
  return i;
}

function distribution(tree: GrownTree, row: number[], nClasses: number): number[] {
  const offset = tree.left[leafOf(tree, row)]!;
  return Array.from(tree.values.subarray(offset, offset + nClasses));
}

function depthOf(tree: GrownTree, node = 0): number {
  if (tree.feature[node]! < 0) return 0;
  return 1 + Math.max(depthOf(tree, tree.left[node]!), depthOf(tree, tree.right[node]!));
}

describe('TreeGrower', () => {
  it('splits two separated groups halfway between them, with pure leaves', () => {
    // Class 0 at x in {1, 2, 3}, class 1 at {7, 8, 9}: the exact split is x <= 5 (midpoint of 3 and 7).
    const X = datasetFromRows([[1], [2], [3], [7], [8], [9]]);
    const tree = growOne(X, [0, 0, 0, 1, 1, 1], 2);
    expect(tree.feature.length).toBe(3);
    expect(tree.feature[0]).toBe(0);
    expect(tree.threshold[0]).toBe(5);
    expect(distribution(tree, [4.9], 2)).toEqual([1, 0]);
    expect(distribution(tree, [5.1], 2)).toEqual([0, 1]);
    expect(Array.from(tree.importances)).toEqual([1]);
  });

  it('picks the informative feature over a noise feature', () => {
    // Feature 1 decides the class; feature 0 is constant noise-free filler with no signal.
    const rows: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 40; i++) {
      rows.push([i % 2, i < 20 ? 0 : 1]);
      y.push(i < 20 ? 0 : 1);
    }
    const tree = growOne(datasetFromRows(rows), y, 2);
    expect(tree.feature[0]).toBe(1);
    expect(tree.threshold[0]).toBe(0.5);
    expect(tree.importances[1]).toBe(1);
  });

  it('learns XOR with two levels of splits', () => {
    const rows = [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ];
    const y = [0, 1, 1, 0];
    const X = datasetFromRows([...rows, ...rows]);
    const tree = growOne(X, [...y, ...y], 2);
    rows.forEach((row, i) => expect(distribution(tree, row, 2)[y[i]!]).toBe(1));
    expect(depthOf(tree)).toBe(2);
  });

  it('stops at maxDepth and keeps mixed leaves as class shares', () => {
    const rows = Array.from({ length: 8 }, (_, i) => [i]);
    const y = [0, 1, 0, 1, 0, 1, 0, 1];
    const tree = growOne(datasetFromRows(rows), y, 2, { maxDepth: 1 });
    expect(depthOf(tree)).toBe(1);
    for (let i = 0; i < tree.values.length; i += 2) {
      expect(tree.values[i]! + tree.values[i + 1]!).toBeCloseTo(1, 12);
    }
  });

  it('keeps at least minSamplesLeaf rows in every leaf', () => {
    const random = new Random(3);
    const rows = Array.from({ length: 200 }, () => [random.nextFloat(), random.nextFloat()]);
    const y = rows.map((r) => (r[0]! + 0.3 * random.nextFloat() > 0.6 ? 1 : 0));
    const tree = growOne(datasetFromRows(rows), y, 2, { minSamplesLeaf: 7 });
    const perLeaf = new Map<number, number>();
    for (const row of rows) perLeaf.set(leafOf(tree, row), (perLeaf.get(leafOf(tree, row)) ?? 0) + 1);
    expect(perLeaf.size).toBeGreaterThan(2);
    for (const count of perLeaf.values()) expect(count).toBeGreaterThanOrEqual(7);
  });

  it('learns where missing values go when they carry the signal', () => {
    // Present values say class 0, missing values say class 1: the split is "present vs missing".
    const X = datasetFromRows([[1], [2], [3], [null], [null], [null]]);
    const tree = growOne(X, [0, 0, 0, 1, 1, 1], 2);
    expect(tree.feature[0]).toBe(0);
    expect(tree.threshold[0]).toBe(Infinity);
    expect(tree.missingLeft[0]).toBe(0);
    expect(distribution(tree, [Number.NaN], 2)).toEqual([0, 1]);
    expect(distribution(tree, [1e9], 2)).toEqual([1, 0]);
  });

  it('puts missing values with the side they resemble when both sides have values', () => {
    // x: 1,2 -> class 0; 8,9 -> class 1; the missing rows are class 1, so they go right with 8 and 9.
    const X = datasetFromRows([[1], [2], [8], [9], [null], [null]]);
    const tree = growOne(X, [0, 0, 1, 1, 1, 1], 2);
    expect(tree.threshold[0]).toBe(5);
    expect(tree.missingLeft[0]).toBe(0);
    expect(distribution(tree, [Number.NaN], 2)).toEqual([0, 1]);
  });

  it('sends missing values to the heavier child at a node that saw none', () => {
    // 1 row of class 0 on the left, 3 of class 1 on the right: NaN follows the 3.
    const X = datasetFromRows([[1], [8], [9], [10]]);
    const tree = growOne(X, [0, 1, 1, 1], 2);
    expect(tree.missingLeft[0]).toBe(0);
    expect(distribution(tree, [Number.NaN], 2)).toEqual([0, 1]);
  });

  it('grows the same tree for the same index and another one for another index', () => {
    const random = new Random(11);
    const rows = Array.from({ length: 300 }, () => [
      random.nextFloat(),
      random.nextFloat(),
      random.nextFloat(),
    ]);
    const y = rows.map((r) => (r[0]! + r[1]! * random.nextFloat() > 0.8 ? 1 : 0));
    const X = datasetFromRows(rows);
    const params = { bootstrap: true, maxFeatures: 1, classWeight: 'balanced' as const };
    const a = growOne(X, y, 2, params, 4);
    const b = growOne(X, y, 2, params, 4);
    const c = growOne(X, y, 2, params, 5);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });
});

describe('balancedClassWeights', () => {
  it('weighs each class by n / (nClasses * count), as scikit-learn does', () => {
    // 4 rows, 2 classes: class 0 has 3 rows -> 4 / (2 * 3); class 1 has 1 row -> 4 / (2 * 1).
    const weights = balancedClassWeights(Uint8Array.from([0, 0, 0, 1]), 2);
    expect(weights[0]).toBeCloseTo(2 / 3, 15);
    expect(weights[1]).toBe(2);
  });
});
