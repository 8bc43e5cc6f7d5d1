/**
 * One local training run: hold out (or take the given evaluation set), fit the
 * feature pipeline, grow the forest, fit the gradient-boosted trees and the
 * listing memory, fit the logistic baseline, evaluate the blended model and
 * the baseline, and wrap the result in a model bundle.
 */
import { GradientBoosting } from './boosting/estimator.js';
import type { BoostingOptions } from './boosting/params.js';
import { BUNDLE_FORMAT_VERSION, BUNDLE_KIND, type BlendWeights, type ModelBundle } from './bundle.js';
import { DEFAULT_BLEND, Model } from './model.js';
import { PRICE_CATEGORIES } from '../constants.js';
import { InvalidArgumentError, InvalidDataError } from '../errors.js';
import { trainForest, type ForestOptions } from './forest/training.js';
import type { LabelledListing } from '../listing/listing.js';
import { listingsFingerprint } from '../sampling/listing-hash.js';
import { LogisticRegression } from './logistic.js';
import { ListingMemory } from './memory.js';
import { classificationMetrics, type ClassificationMetrics } from './metrics.js';
import { FeaturePipeline } from '../features/pipeline.js';
import type { PipelineOptions } from '../features/options.js';
import { stableHoldout } from '../sampling/stable-split.js';

/**
 * Forest settings trainModel uses unless overridden. Chosen by 5-fold CV on the
 * real listings (bench/feature-comparison.ts; table in the model notes): with
 * the target-encoded features, sqrt(features) per split, leaves of one row and
 * balanced class weights were as good as any alternative measured (max
 * features 0.35/0.5/all, leaves of 2-3 rows, no or per-bootstrap class
 * weights, 64 bins), and the fastest of the best.
 */
export const DEFAULT_TRAINING_FOREST_OPTIONS: Readonly<ForestOptions> = Object.freeze({
  maxFeatures: 'sqrt',
  minSamplesLeaf: 1,
  classWeight: 'balanced',
  maxBins: 256,
  extraTrees: 0.5,
} satisfies ForestOptions);

/**
 * Gradient-boosting settings trainModel uses unless overridden. On the real
 * listings' CV folds, 200 rounds at learning rate 0.1 blended as well as 300
 * at 0.07, 400 at 0.05 and 800 at 0.03 (all within 0.001), and train, load
 * and predict four times faster than 800 rounds (docs/model.md).
 */
export const DEFAULT_TRAINING_BOOSTING_OPTIONS: Readonly<BoostingOptions> = Object.freeze({
  iterations: 200,
  learningRate: 0.1,
  maxLeafNodes: 63,
  minSamplesLeaf: 20,
  l2Regularization: 1,
  classWeight: 'balanced',
  maxBins: 256,
} satisfies BoostingOptions);

/** Share of the listings held out for evaluation when there is no evaluation set. */
export const DEFAULT_HOLDOUT_FRACTION = 0.2;

/** The stage a training progress report is about. */
export type TrainingStage = 'forest' | 'boosting';

/** Options of `trainModel`. */
export interface TrainModelOptions {
  /** Trees in the forest (half best-split, half random-split by default). Default 200. */
  trees?: number;
  /** Seed of the pipeline's folds and the forest (the hold-out does not depend on it). Default 42. */
  seed?: number;
  /** Evaluate on these listings instead of a hold-out of the training data. */
  evalListings?: readonly LabelledListing[];
  /** Share held out (by content hash, see `holdoutSplit`) when there is no evalListings, in (0, 1). Default 0.2. */
  holdout?: number;
  /** Forest checkpoint folder (resume after a crash); none when unset. */
  checkpointDir?: string;
  /** Trees between checkpoints. Default: the forest's (20). */
  checkpointEvery?: number;
  /**
   * Called as work finishes: forest trees done out of `trees`, then boosting
   * rounds done out of the boosting's rounds.
   */
  onProgress?: (done: number, total: number, stage: TrainingStage) => void;
  /** Aborts the forest training between trees. */
  signal?: AbortSignal;
  /** Threads growing trees. Default: the forest's (all cores). */
  threads?: number;
  /** Fit and evaluate the logistic-regression baseline. Default true. */
  baseline?: boolean;
  /** Overrides of the feature pipeline defaults. */
  pipeline?: Partial<PipelineOptions>;
  /** Overrides of DEFAULT_TRAINING_FOREST_OPTIONS (tree count and seed come from `trees`/`seed`). */
  forest?: ForestOptions;
  /** Overrides of DEFAULT_TRAINING_BOOSTING_OPTIONS, or false for a model without boosting. */
  boosting?: BoostingOptions | false;
  /** Keep the listing memory in the model (default true). */
  memory?: boolean;
  /** Overrides of DEFAULT_BLEND. */
  blend?: Partial<BlendWeights>;
  /** Extra metadata merged into the bundle's metadata (e.g. a data path or run id). */
  metadata?: Record<string, unknown>;
}

/** What `trainModel` returns. */
export interface TrainModelResult {
  bundle: ModelBundle;
  /** The bundle, ready to predict. */
  model: Model;
  /** Metrics of the model (all its parts blended) on the evaluation rows. */
  metrics: ClassificationMetrics;
  /** Baseline metrics on the same rows; null when the baseline was skipped. */
  baselineMetrics: ClassificationMetrics | null;
  /** Seconds spent fitting the pipeline, the forest, the boosting and the memory (wall time). */
  fitSeconds: number;
  /** Seconds spent fitting the baseline (0 when skipped). */
  baselineFitSeconds: number;
  nTrain: number;
  nEval: number;
  /** The rows the model was fitted on. */
  trainSet: LabelledListing[];
  /** The held-out rows, when the evaluation rows were split off the data (no evalListings). */
  testSet?: LabelledListing[];
}

/** Class index (PRICE_CATEGORIES order) of each listing. */
export function labelIndices(listings: readonly LabelledListing[]): Uint8Array {
  return Uint8Array.from(listings, (listing, i) => {
    const index = PRICE_CATEGORIES.indexOf(listing.price_category);
    if (index < 0) {
      throw new InvalidDataError(
        `listing ${i} has price_category ${JSON.stringify(listing.price_category)}, expected one of ${PRICE_CATEGORIES.join(', ')}`,
      );
    }
    return index;
  });
}

/**
 * The hold-out a model is evaluated on when no evaluation set is given:
 * `stableHoldout` by content hash, so a listing keeps its side as data
 * accumulates and every class gets about `fraction` of its rows. `trainModel`
 * splits with it, and the training workflow's preprocessing calls it before
 * training on the train side with the test side as evaluation set; so both
 * fit the same model on the same listings for the same seed.
 * @returns both sides, each in the listings' order
 */
export function holdoutSplit(
  listings: readonly LabelledListing[],
  fraction: number = DEFAULT_HOLDOUT_FRACTION,
): { train: LabelledListing[]; test: LabelledListing[] } {
  const { train, test } = stableHoldout(listings, fraction);
  return { train: train.map((i) => listings[i]!), test: test.map((i) => listings[i]!) };
}

/**
 * Trains, evaluates and bundles a model.
 * @param listings labelled training data (with no evalListings, about 20 % of it is held out by `holdoutSplit`)
 */
export async function trainModel(
  listings: readonly LabelledListing[],
  options: TrainModelOptions = {},
): Promise<TrainModelResult> {
  const trees = options.trees ?? 200;
  const seed = options.seed ?? 42;
  const holdout = options.holdout ?? DEFAULT_HOLDOUT_FRACTION;
  if (!Number.isInteger(trees) || trees < 1)
    throw new InvalidArgumentError(`trees must be an integer >= 1, got ${trees}`);
  if (!Number.isInteger(seed) || seed < 0)
    throw new InvalidArgumentError(`seed must be an integer >= 0, got ${seed}`);
  if (listings.length === 0) throw new InvalidDataError('no training listings: the data has no usable rows');

  let trainSet: LabelledListing[];
  let evalSet: LabelledListing[];
  let testSet: LabelledListing[] | undefined;
  if (options.evalListings) {
    trainSet = [...listings];
    evalSet = [...options.evalListings];
  } else {
    ({ train: trainSet, test: testSet } = holdoutSplit(listings, holdout));
    evalSet = testSet;
  }
  if (trainSet.length === 0) throw new InvalidDataError('no rows left to train on after the hold-out split');
  if (evalSet.length === 0) {
    throw new InvalidDataError(
      `no rows to evaluate on: ${options.evalListings ? 'the evaluation set is empty' : `a ${holdout} hold-out of ${listings.length} rows is empty`}`,
    );
  }
  const yTrain = labelIndices(trainSet);
  const yEval = labelIndices(evalSet);

  const started = performance.now();
  const { pipeline, data } = FeaturePipeline.fitTransform(trainSet, yTrain, { seed, ...options.pipeline });
  const forestOptions: ForestOptions = {
    ...DEFAULT_TRAINING_FOREST_OPTIONS,
    ...options.forest,
    nTrees: trees,
    seed,
  };
  if (options.threads !== undefined) forestOptions.threads = options.threads;
  if (options.checkpointDir !== undefined) forestOptions.checkpointDir = options.checkpointDir;
  if (options.checkpointEvery !== undefined) forestOptions.checkpointEvery = options.checkpointEvery;
  if (options.signal !== undefined) forestOptions.signal = options.signal;
  const onProgress = options.onProgress;
  if (onProgress) forestOptions.onProgress = (done, total) => onProgress(done, total, 'forest');
  const forest = await trainForest(data, yTrain, PRICE_CATEGORIES.length, forestOptions);
  let boosting: GradientBoosting | null = null;
  if (options.boosting !== false) {
    const boostingOptions: BoostingOptions = { ...DEFAULT_TRAINING_BOOSTING_OPTIONS, ...options.boosting };
    if (onProgress) boostingOptions.onProgress = (done, total) => onProgress(done, total, 'boosting');
    if (options.signal !== undefined) boostingOptions.signal = options.signal;
    // Async: a Temporal activity's heartbeats and the CLI's Ctrl-C keep flowing during the rounds.
    boosting = await GradientBoosting.fitAsync(data, yTrain, PRICE_CATEGORIES.length, boostingOptions);
  }
  const memory =
    options.memory === false ? null : ListingMemory.fit(trainSet, yTrain, PRICE_CATEGORIES.length);
  const fitSeconds = (performance.now() - started) / 1000;
  const evalData = pipeline.transform(evalSet);

  let baselineMetrics: ClassificationMetrics | null = null;
  let baselineFitSeconds = 0;
  if (options.baseline ?? true) {
    const baselineStarted = performance.now();
    const baseline = LogisticRegression.fit(data, yTrain, PRICE_CATEGORIES.length);
    baselineFitSeconds = (performance.now() - baselineStarted) / 1000;
    baselineMetrics = classificationMetrics(yEval, baseline.predictProbaBatch(evalData), PRICE_CATEGORIES);
  }

  const blend = { ...DEFAULT_BLEND, ...options.blend };
  const bundle: ModelBundle = {
    kind: BUNDLE_KIND,
    formatVersion: BUNDLE_FORMAT_VERSION,
    labels: [...PRICE_CATEGORIES],
    pipeline: pipeline.toJSON(),
    forest: forest.toJSON(),
    ...(boosting ? { boosting: boosting.toJSON() } : {}),
    ...(memory ? { memory: memory.toJSON() } : {}),
    blend,
    metadata: {
      ...options.metadata,
      trainedAt: new Date().toISOString(),
      nTrain: trainSet.length,
      nEval: evalSet.length,
      // Filled in below, by the model built from this very bundle.
      metrics: undefined as unknown as ClassificationMetrics,
      baselineMetrics,
      seed,
      trees,
      dataFingerprint: listingsFingerprint(trainSet),
      fitSeconds,
      evaluation: options.evalListings ? 'eval-set' : 'holdout',
      forestParams: forest.params,
      ...(boosting ? { boostingParams: boosting.params } : {}),
      ...(memory ? { memoryListings: memory.size } : {}),
      blend,
    },
  };
  // Scored through the served code path (pipeline, blend, memory), so the
  // recorded metrics are those of the model the API will answer with.
  const model = Model.fromBundle(bundle);
  const metrics = classificationMetrics(yEval, model.predictProbaBatch(evalSet), PRICE_CATEGORIES);
  bundle.metadata.metrics = metrics;
  const result: TrainModelResult = {
    bundle,
    model,
    metrics,
    baselineMetrics,
    fitSeconds,
    baselineFitSeconds,
    nTrain: trainSet.length,
    nEval: evalSet.length,
    trainSet,
  };
  if (testSet) result.testSet = testSet;
  return result;
}
