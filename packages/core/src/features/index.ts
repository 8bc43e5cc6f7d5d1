/** From listings to a numeric matrix: the dataset shape and the fitted feature pipeline. */
export { type Dataset, datasetFromRows, assertDataset, checkClassLabels } from './dataset.js';
export {
  PIPELINE_KIND,
  PIPELINE_FORMAT_VERSION,
  type CategoricalEncoding,
  CATEGORY_KEYS,
  type CategoryKey,
  type PipelineOptions,
  DEFAULT_PIPELINE_OPTIONS,
  floorNumber,
  adMonth,
  type KeyJSON,
  type BlockJSON,
  type PipelineJSON,
  FeaturePipeline,
} from './pipeline.js';
