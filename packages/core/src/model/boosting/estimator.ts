/**
 * Histogram-based gradient-boosted decision trees for multiclass
 * classification (softmax), built to reproduce scikit-learn's
 * HistGradientBoostingClassifier: its accuracy on our data is the reference,
 * so every rule that changes which split wins follows sklearn (see
 * grower.ts), and on the same binning the two grow the same trees
 * (test/model/boosting/comparison.test.ts checks it on a fixture exported
 * from sklearn).
 *
 * The pieces, laid out like sklearn's `_hist_gradient_boosting`: params.ts
 * (options, defaults, checks), loss.ts (softmax, baseline, gradients and
 * hessians), grower.ts (histograms, split finding, leaf-wise growth),
 * predictor.ts (the model's arrays and the fast walk), format.ts (JSON). This
 * file wires them into the estimator.
 *
 * Training: features are binned once (binning.ts, bin 0 = missing); each
 * round computes the gradients of every class, then grows one tree per class.
 *
 * Determinism: no randomness at all, so the same data and options give the
 * same model, byte for byte in `toJSON`.
 */
import { binDataset, fitBinEdges } from '../binning.js';
import { type Dataset, assertDataset, checkClassLabels as checkLabels } from '../../features/dataset.js';
import { InvalidArgumentError } from '../../errors.js';
import { argmaxRow } from '../metrics.js';
import { balancedClassWeights } from '../forest/tree.js';
import { rowOutput, scoreRows } from '../class-scores.js';
import { type BoostingOptions, type BoostingParams, checkTrainingHooks, resolveParams } from './params.js';
import { baselineScores, softmaxGradients, softmaxInPlace } from './loss.js';
import { HistogramTreeGrower, TreeSink } from './grower.js';
import { type BoostingState, Predictor } from './predictor.js';
import { type SerializedBoosting, decodeBoosting, encodeBoosting } from './format.js';

/** Longest stretch of training `fitAsync` runs without letting the event loop turn, ms. */
const YIELD_MS = 20;

/**
 * A trained gradient-boosting classifier. The model stores real thresholds
 * (halfway between the node's training values on either side of each split),
 * so prediction needs no bin edges; see `Predictor` for how a row is walked
 * through thousands of trees quickly. sklearn cuts at the upper edge of the
 * split's bin instead, so a new value in a bin that none of the node's
 * training rows had can go the other way there.
 *
 * Two classes are modelled like more: softmax over one tree per class and
 * round (sklearn uses one logistic tree per round for two classes; the
 * predictions are close, not identical).
 */
export class GradientBoosting {
  readonly nClasses: number;
  readonly nFeatures: number;
  readonly featureNames: readonly string[] | undefined;
  /** Boosting rounds; the model has `iterations * nClasses` trees. */
  readonly iterations: number;
  readonly params: BoostingParams;
  private readonly state: BoostingState;
  private readonly predictor: Predictor;

  /** Use `GradientBoosting.fit` or `GradientBoosting.fromJSON`. */
  private constructor(state: BoostingState) {
    this.state = state;
    this.nClasses = state.nClasses;
    this.nFeatures = state.nFeatures;
    this.featureNames = state.featureNames;
    this.params = state.params;
    this.iterations = state.params.iterations;
    this.predictor = new Predictor(state);
  }

  /**
   * Trains on `X` (row-major, NaN = missing) and labels `y` (class indices
   * 0..nClasses-1). Synchronous: a default training takes seconds; use
   * `fitAsync` to keep the event loop turning meanwhile. See BoostingOptions
   * for the defaults.
   */
  static fit(
    X: Dataset,
    y: Uint8Array | ArrayLike<number>,
    nClasses: number,
    options: BoostingOptions = {},
  ): GradientBoosting {
    const rounds = GradientBoosting.rounds(X, y, nClasses, options);
    for (;;) {
      const step = rounds.next();
      if (step.done) return step.value;
    }
  }

  /**
   * `fit` that lets the event loop run between rounds (at most every
   * `YIELD_MS` of work): timers, heartbeats and signals of the calling
   * process keep flowing during a training of several seconds. The same
   * data and options give the same model as `fit`.
   */
  static async fitAsync(
    X: Dataset,
    y: Uint8Array | ArrayLike<number>,
    nClasses: number,
    options: BoostingOptions = {},
  ): Promise<GradientBoosting> {
    const rounds = GradientBoosting.rounds(X, y, nClasses, options);
    let since = performance.now();
    for (;;) {
      const step = rounds.next();
      if (step.done) return step.value;
      if (performance.now() - since >= YIELD_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        since = performance.now();
      }
    }
  }

  /** The training, one boosting round per step; the generator returns the model. */
  private static *rounds(
    X: Dataset,
    y: Uint8Array | ArrayLike<number>,
    nClasses: number,
    options: BoostingOptions,
  ): Generator<void, GradientBoosting, void> {
    assertDataset(X, 'X');
    if (!Number.isInteger(nClasses) || nClasses < 2 || nClasses > 256) {
      throw new InvalidArgumentError(`nClasses must be an integer in [2, 256], got ${String(nClasses)}`);
    }
    const labels = checkLabels(y, X.nRows, nClasses);
    if (X.nRows === 0) throw new InvalidArgumentError('X has no rows: cannot train on nothing');
    if (X.nFeatures === 0) throw new InvalidArgumentError('X has no features: cannot train on nothing');
    const params = resolveParams(options, (message) => new InvalidArgumentError(message));
    checkTrainingHooks(options);
    const { onProgress, signal } = options;
    signal?.throwIfAborted();

    const { nRows, nFeatures } = X;
    const K = nClasses;
    const edges = fitBinEdges(X, params.maxBins);
    const bins = binDataset(X, edges);
    const weights = new Float64Array(nRows).fill(1);
    if (params.classWeight === 'balanced') {
      const classWeights = balancedClassWeights(labels, K);
      for (let r = 0; r < nRows; r++) weights[r] = classWeights[labels[r]!]!;
    }
    const baseline = baselineScores(labels, weights, K);
    const raw = new Float64Array(nRows * K);
    for (let r = 0; r < nRows; r++) raw.set(baseline, r * K);
    // Gradients and hessians of all classes, row-major: gh[2 (r K + k)] and
    // the next slot. A histogram pass reads a row's values with one cache line;
    // float32 like sklearn's.
    const gh = new Float32Array(2 * K * nRows);
    const grower = new HistogramTreeGrower(bins, nRows, nFeatures, edges, params, gh, K);
    const sink = new TreeSink();
    const total = params.iterations;
    for (let round = 0; round < total; round++) {
      signal?.throwIfAborted();
      softmaxGradients(raw, labels, weights, K, gh);
      grower.buildRootHistograms();
      for (let k = 0; k < K; k++) grower.grow(k, raw, sink);
      onProgress?.(round + 1, total);
      yield;
    }
    return new GradientBoosting({
      nClasses: K,
      nFeatures,
      featureNames: X.featureNames ? [...X.featureNames] : undefined,
      params,
      baseline,
      ...sink.finish(),
    });
  }

  /**
   * Class probabilities of one row (`nFeatures` values, NaN = missing): the
   * softmax of the baseline plus every tree's leaf value, per class.
   * @param out optional buffer of at least nClasses values to write into (no allocation)
   */
  predictProba(row: Float64Array | readonly number[], out?: Float64Array): Float64Array {
    const result = rowOutput(row, this.nFeatures, this.nClasses, out);
    this.predictor.rawScores(row, 0, result, 0);
    softmaxInPlace(result, 0, this.nClasses);
    return result;
  }

  /** Class probabilities of every row of `X`: nRows * nClasses values, row-major. */
  predictProbaBatch(X: Dataset): Float64Array {
    const K = this.nClasses;
    return scoreRows(
      X,
      this.nFeatures,
      K,
      (data, rowOffset, out, outOffset) => this.predictor.rawScores(data, rowOffset, out, outOffset),
      (out, offset) => softmaxInPlace(out, offset, K),
    );
  }

  /** Index of the most probable class of one row (the lowest index on ties). */
  predict(row: Float64Array | readonly number[]): number {
    return argmaxRow(this.predictProba(row), 0, this.nClasses);
  }

  /** Compact JSON form; `GradientBoosting.fromJSON` restores a model with identical predictions. */
  toJSON(): SerializedBoosting {
    return encodeBoosting(this.state);
  }

  /**
   * Restores a model from `toJSON()` output (parsed JSON). Throws
   * BundleFormatError, naming the field, for another kind or format version,
   * bad header fields or params, and arrays that are corrupt, of the wrong
   * length or not a valid tree, so a loaded model can never loop or read out
   * of bounds.
   */
  static fromJSON(json: unknown): GradientBoosting {
    return new GradientBoosting(decodeBoosting(json));
  }
}
