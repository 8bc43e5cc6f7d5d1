/**
 * The boosting's training options and their resolved form: the defaults
 * (sklearn's HistGradientBoostingClassifier's, except where noted) and the
 * checks shared by `fit` (bad options are an InvalidArgumentError) and by
 * `fromJSON` (bad stored params are a BundleFormatError).
 */
import { MAX_BINS } from '../binning.js';
import { InvalidArgumentError } from '../../errors.js';

/** Training options; every one has a default (sklearn's, except where noted). */
export interface BoostingOptions {
  /** Boosting rounds (default 800); each round grows one tree per class. */
  iterations?: number;
  /** Shrinkage applied to every leaf value (default 0.03): smaller learns slower but generalizes better. */
  learningRate?: number;
  /** Leaves per tree, grown best-first (default 63). */
  maxLeafNodes?: number;
  /** Maximum depth, root = 0 (default null: unbounded, `maxLeafNodes` limits the tree). */
  maxDepth?: number | null;
  /** Minimum training rows in a leaf (default 20). */
  minSamplesLeaf?: number;
  /** L2 penalty on leaf values, the lambda of the gain and of the leaf value (default 1). */
  l2Regularization?: number;
  /** 'balanced' (default) weighs each row n / (nClasses * count of its class), like sklearn; null = all 1. */
  classWeight?: 'balanced' | null;
  /** Bins per feature including the missing-value bin, 3..256 (default 256). */
  maxBins?: number;
  /** Called after each round with the rounds done and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Checked between rounds: training throws the signal's reason once it is aborted. */
  signal?: AbortSignal;
}

/** The resolved training parameters, as stored in the JSON. */
export interface BoostingParams {
  iterations: number;
  learningRate: number;
  maxLeafNodes: number;
  /** null = unbounded. */
  maxDepth: number | null;
  minSamplesLeaf: number;
  l2Regularization: number;
  classWeight: 'balanced' | null;
  maxBins: number;
}

/** Every field of BoostingParams: a stored model must have them all. */
export const BOOSTING_PARAM_NAMES: readonly (keyof BoostingParams)[] = [
  'iterations',
  'learningRate',
  'maxLeafNodes',
  'maxDepth',
  'minSamplesLeaf',
  'l2Regularization',
  'classWeight',
  'maxBins',
];

/**
 * Options with defaults filled in, each checked; `fail` makes the error (an
 * InvalidArgumentError for `fit`, a BundleFormatError for stored params).
 */
export function resolveParams(
  options: BoostingOptions | Partial<BoostingParams>,
  fail: (message: string) => Error,
  prefix = '',
): BoostingParams {
  const integer = (value: unknown, name: string, fallback: number, min: number, max = Infinity): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      const range = max === Infinity ? `>= ${min}` : `in [${min}, ${max}]`;
      throw fail(`${prefix}${name} must be an integer ${range}, got ${String(value)}`);
    }
    return value;
  };
  const real = (value: unknown, name: string, fallback: number, positive: boolean): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (positive && value === 0)) {
      throw fail(
        `${prefix}${name} must be a finite number ${positive ? '> 0' : '>= 0'}, got ${String(value)}`,
      );
    }
    return value;
  };
  let maxDepth: number | null = null;
  if (options.maxDepth !== undefined && options.maxDepth !== null && options.maxDepth !== Infinity) {
    maxDepth = integer(options.maxDepth, 'maxDepth', 0, 1);
  }
  const classWeight = options.classWeight === undefined ? 'balanced' : options.classWeight;
  if (classWeight !== null && classWeight !== 'balanced') {
    throw fail(`${prefix}classWeight must be 'balanced' or null, got ${JSON.stringify(classWeight)}`);
  }
  return {
    iterations: integer(options.iterations, 'iterations', 800, 1),
    learningRate: real(options.learningRate, 'learningRate', 0.03, true),
    maxLeafNodes: integer(options.maxLeafNodes, 'maxLeafNodes', 63, 2),
    maxDepth,
    minSamplesLeaf: integer(options.minSamplesLeaf, 'minSamplesLeaf', 20, 1),
    l2Regularization: real(options.l2Regularization, 'l2Regularization', 1, false),
    classWeight,
    maxBins: integer(options.maxBins, 'maxBins', MAX_BINS, 3, MAX_BINS),
  };
}

/** Checks the training's callbacks (`onProgress`, `signal`): InvalidArgumentError naming the bad one. */
export function checkTrainingHooks(options: Pick<BoostingOptions, 'onProgress' | 'signal'>): void {
  const { onProgress, signal } = options;
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new InvalidArgumentError(`onProgress must be a function, got ${typeof onProgress}`);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidArgumentError('signal must be an AbortSignal');
  }
}
