/** From listings to a numeric matrix: the dataset shape and the fitted feature pipeline. */
export { type Dataset, datasetFromRows, assertDataset, checkClassLabels } from './dataset.js';
export {
  type CategoricalEncoding,
  CATEGORY_KEYS,
  type CategoryKey,
  type PipelineOptions,
  DEFAULT_PIPELINE_OPTIONS,
} from './options.js';
export { floorNumber, adMonth } from './derived.js';
export { type KeyJSON } from './category-key.js';
export { type BlockJSON } from './block.js';
export { PIPELINE_KIND, PIPELINE_FORMAT_VERSION, type PipelineJSON, FeaturePipeline } from './pipeline.js';
