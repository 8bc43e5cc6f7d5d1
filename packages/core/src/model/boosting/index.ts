/** Histogram gradient boosting (softmax loss, leaf-wise trees). */
export {
  BOOSTING_KIND,
  BOOSTING_FORMAT_VERSION,
  type BoostingOptions,
  type BoostingParams,
  type SerializedBoosting,
  GradientBoosting,
} from './estimator.js';
