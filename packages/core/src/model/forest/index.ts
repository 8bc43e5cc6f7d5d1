/** The random forest: trees, training on worker threads, checkpoints. */
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
  type ForestProgress,
  type ForestOptions,
  type ForestParams,
  type SerializedForest,
  type ForestMeta,
  RandomForest,
  trainForest,
} from './random-forest.js';
export {
  type TreeTrainingData,
  type ClassWeightMode,
  type TreeParams,
  type GrownTree,
  isExtraTree,
  balancedClassWeights,
  TreeGrower,
} from './tree.js';
