/** The served model: its parts, its bundle file, its metrics and the training that makes it. */
export {
  MISSING_BIN,
  MAX_BINS,
  type BinEdges,
  fitBinEdges,
  binCount,
  binDataset,
  binValueRanges,
  binStarts,
  thresholdBetween,
} from './binning.js';
export {
  BUNDLE_KIND,
  BUNDLE_FORMAT_VERSION,
  type BundleMetadata,
  type ModelBundle,
  type BlendWeights,
  parseBundle,
  saveBundle,
  loadBundle,
} from './bundle.js';
export { type RowScorer, rowOutput, scoreRows } from './class-scores.js';
export {
  type LogisticOptions,
  type LogisticRegressionJSON,
  LOGISTIC_KIND,
  LOGISTIC_FORMAT_VERSION,
  LogisticRegression,
} from './logistic.js';
export {
  MEMORY_KIND,
  MEMORY_FORMAT_VERSION,
  MEMORY_FIELDS,
  type SerializedMemory,
  memoryKey,
  ListingMemory,
} from './memory.js';
export {
  type ClassMetrics,
  type ClassificationMetrics,
  LOG_LOSS_EPSILON,
  argmaxRow,
  confusionMatrix,
  rocAuc,
  logLoss,
  classificationMetrics,
} from './metrics.js';
export { DEFAULT_BLEND, type Prediction, Model } from './model.js';
export {
  DEFAULT_TRAINING_FOREST_OPTIONS,
  DEFAULT_TRAINING_BOOSTING_OPTIONS,
  DEFAULT_HOLDOUT_FRACTION,
  type TrainingStage,
  type TrainModelOptions,
  type TrainModelResult,
  holdoutSplit,
  labelIndices,
  trainModel,
} from './training.js';
export {
  type StoredTypedArray,
  encodeTypedArray,
  decodeTypedArray,
  decodeStoredArray,
} from './typed-codec.js';
