import type { TrainingActivities } from '../../packages/train/src/activities.js';

/**
 * Training activities that do no work: a workflow test overrides the ones it
 * observes. By default version 3 is registered and kept in staging (worse than
 * production version 2).
 */
export function stubTrainingActivities(overrides: Partial<TrainingActivities> = {}): TrainingActivities {
  return {
    preprocess: async () => ({
      processedDir: '/tmp/p',
      referencePath: '/tmp/r',
      nTrain: 8,
      nTest: 2,
      nBadRows: 0,
      dataFingerprint: 'f',
    }),
    train: async () => ({
      bundlePath: '/tmp/b',
      metrics: { macro_f1: 0.8 },
      baselineMetrics: {},
      fitSeconds: 1,
      resumedTrees: 0,
    }),
    register: async () => ({ experimentId: '1', runId: 'r1', modelName: 'M', version: '3' }),
    promote: async () => ({
      promoted: false,
      candidateMacroF1: 0.7,
      productionMacroF1: 0.8,
      productionVersion: '2',
      tolerance: 0.005,
      reason: 'worse than production',
    }),
    ...overrides,
  };
}
