import { describe, expect, it } from 'vitest';
import { BundleFormatError } from '../../../src/errors.js';
import {
  concatenateTrees,
  deserializeForest,
  serializeForest,
  treeOfState,
} from '../../../src/model/forest/format.js';
import { RandomForest } from '../../../src/model/forest/random-forest.js';
import { trainForest } from '../../../src/model/forest/training.js';
import { threeClassSet } from './forest-fixtures.js';

describe('forest JSON', () => {
  it('round-trips through JSON text to a forest with identical predictions', async () => {
    const { X, y } = threeClassSet(500, 6, { noise: 0.15, missing: 0.1 });
    const forest = await trainForest(X, y, 3, { nTrees: 15, threads: 1, maxDepth: 12 });
    const text = JSON.stringify(forest.toJSON());
    const restored = RandomForest.fromJSON(JSON.parse(text));
    expect(restored.nTrees).toBe(15);
    expect(restored.nFeatures).toBe(X.nFeatures);
    expect(Array.from(restored.predictProbaBatch(X))).toEqual(Array.from(forest.predictProbaBatch(X)));
    expect(Array.from(restored.featureImportances())).toEqual(Array.from(forest.featureImportances()));
    expect(JSON.stringify(restored.toJSON())).toBe(text);
    expect(restored.params.maxDepth).toBe(12);
  });

  it('stores the concatenation of the trees as grown, which it hands back unchanged', async () => {
    const { X, y } = threeClassSet(300, 16, { missing: 0.1 });
    const forest = await trainForest(X, y, 3, { nTrees: 4, threads: 1, extraTrees: 0.5 });
    const json = forest.toJSON();
    const state = deserializeForest(json);
    const trees = Array.from({ length: forest.nTrees }, (_, t) => treeOfState(state, t));
    trees.forEach((tree, t) => expect(tree).toEqual(forest.treeAt(t)));
    const meta = { nClasses: 3, nFeatures: X.nFeatures, featureNames: undefined, params: forest.params };
    expect(JSON.stringify(serializeForest(concatenateTrees(trees, meta)))).toBe(JSON.stringify(json));
  });
});

describe('RandomForest.fromJSON', () => {
  it('refuses another kind or format version, saying what it got and expected', async () => {
    const { X, y } = threeClassSet(60, 12);
    const json = (await trainForest(X, y, 3, { nTrees: 2, threads: 1 })).toJSON();
    expect(() => RandomForest.fromJSON({ ...json, formatVersion: 2 })).toThrow(BundleFormatError);
    expect(() => RandomForest.fromJSON({ ...json, formatVersion: 2 })).toThrow('got v2, expected v1');
    expect(() => RandomForest.fromJSON({ ...json, kind: 'pipeline' })).toThrow(/got kind "pipeline"/);
    expect(() => RandomForest.fromJSON('forest')).toThrow(BundleFormatError);
  });

  it('refuses corrupt arrays instead of predicting garbage', async () => {
    const { X, y } = threeClassSet(60, 13);
    const json = (await trainForest(X, y, 3, { nTrees: 2, threads: 1 })).toJSON();
    expect(() =>
      RandomForest.fromJSON({ ...json, arrays: { ...json.arrays, right: 'not base64 deflate' } }),
    ).toThrow(BundleFormatError);
    const other = (await trainForest(X, y, 3, { nTrees: 2, threads: 1, seed: 1 })).toJSON();
    // Arrays of another forest: the lengths or the structure no longer fit.
    expect(() =>
      RandomForest.fromJSON({ ...json, arrays: { ...json.arrays, feature: other.arrays.feature } }),
    ).toThrow(/forest JSON/);
  });
});
