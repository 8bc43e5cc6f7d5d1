import { describe, expect, it } from 'vitest';
import { GradientBoosting } from '../../../src/model/boosting/estimator.js';
import { type BoostingOptions, resolveParams } from '../../../src/model/boosting/params.js';
import { InvalidArgumentError } from '../../../src/errors.js';
import { threeClasses } from './boosting-fixtures.js';

describe('resolveParams', () => {
  const fail = (message: string): Error => new InvalidArgumentError(message);

  it('fills in the defaults', () => {
    expect(resolveParams({}, fail)).toEqual({
      iterations: 800,
      learningRate: 0.03,
      maxLeafNodes: 63,
      maxDepth: null,
      minSamplesLeaf: 20,
      l2Regularization: 1,
      classWeight: 'balanced',
      maxBins: 256,
    });
    // An infinite depth is no bound, stored as null.
    expect(resolveParams({ maxDepth: Infinity, classWeight: null }, fail)).toMatchObject({
      maxDepth: null,
      classWeight: null,
    });
  });

  it('names a stored field with the prefix', () => {
    expect(() => resolveParams({ maxLeafNodes: 1 }, fail, 'params.')).toThrow(
      /^params\.maxLeafNodes must be an integer >= 2, got 1$/,
    );
  });
});

describe('GradientBoosting.fit options', () => {
  it('refuses bad options with errors naming them', () => {
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
  });
});
