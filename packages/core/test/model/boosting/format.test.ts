import { describe, expect, it } from 'vitest';
import { GradientBoosting } from '../../../src/model/boosting/estimator.js';
import {
  BOOSTING_FORMAT_VERSION,
  BOOSTING_KIND,
  type SerializedBoosting,
} from '../../../src/model/boosting/format.js';
import { BundleFormatError } from '../../../src/errors.js';
import { FAST, arraysOf, encode, threeClasses } from './boosting-fixtures.js';

describe('GradientBoosting.toJSON', () => {
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
});
