/** Histogram gradient boosting (softmax loss, leaf-wise trees). */
export { type BoostingOptions, type BoostingParams } from './params.js';
export { BOOSTING_KIND, BOOSTING_FORMAT_VERSION, type SerializedBoosting } from './format.js';
export { GradientBoosting } from './estimator.js';
