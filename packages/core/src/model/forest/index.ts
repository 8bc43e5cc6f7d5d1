/** The random forest: trees, the trained model and its JSON form, training on worker threads, checkpoints. */
export {
  FOREST_CHECKPOINT_FILE,
  FOREST_CHECKPOINT_KIND,
  FOREST_CHECKPOINT_FORMAT_VERSION,
  type CheckpointTree,
  type ForestCheckpoint,
  type CheckpointLogger,
  forestFingerprint,
  checkpointEntry,
  writeForestCheckpoint,
  readForestCheckpoint,
} from './checkpoint.js';
export {
  FOREST_KIND,
  FOREST_FORMAT_VERSION,
  type ForestParams,
  type SerializedForest,
  type ForestMeta,
} from './format.js';
export { RandomForest } from './random-forest.js';
export { type ForestProgress, type ForestOptions, trainForest } from './training.js';
export {
  type TreeTrainingData,
  type ClassWeightMode,
  type TreeParams,
  type GrownTree,
  isExtraTree,
  balancedClassWeights,
  TreeGrower,
} from './tree.js';
