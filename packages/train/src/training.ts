/**
 * The training step: fit the model on the train side of the run's split,
 * evaluate it on the held-out side, and leave its bundle in the processed
 * folder and in MODEL_DIR. The forest checkpoints into a folder of the run,
 * so a retried attempt resumes where the lost one stopped. The model's
 * performance profile on the held-out side (scores, calibration, calibration
 * error) goes into the run's reference snapshot, which registration uploads.
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { MODEL_BUNDLE_FILE, REFERENCE_SNAPSHOT_FILE, type Config, type Logger } from '@mlops/core';
import { labelPriceThresholds } from '@mlops/core/listing';
import { saveBundle, trainModel, type ClassificationMetrics, type TrainingStage } from '@mlops/core/model';
import { profileMetrics } from '@mlops/core/performance';
import type { PreprocessResult, TrainingInput, TrainResult } from '@mlops/temporal';
import { recordPerformanceProfile } from './performance-profile.js';
import { TEST_LISTINGS_FILE, TRAIN_LISTINGS_FILE, readListings } from './processed-folder.js';
import { workflowRunKey, type WorkflowRun } from './workflow-run.js';

export interface CandidateTrainingOptions {
  /** Stops the training between trees (forest) or rounds (boosting). */
  signal?: AbortSignal;
  /**
   * Called as work finishes: forest trees done out of `total` (the first call
   * reports the trees restored from a checkpoint), then boosting rounds.
   */
  onProgress?: (done: number, total: number, stage: TrainingStage) => void;
}

/** Forest checkpoints of a workflow run, under `<MODEL_DIR>/checkpoints/`. */
export function checkpointDir(modelDir: string, run: WorkflowRun): string {
  return join(modelDir, 'checkpoints', workflowRunKey(run));
}

/** Metric name -> value, flattened for the registry (`<class>_<metric>` for the per-class ones). */
export function metricsRecord(metrics: ClassificationMetrics, prefix = ''): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(metrics)) {
    if (typeof value === 'number' && Number.isFinite(value)) out[`${prefix}${key}`] = value;
  }
  for (const [label, perClass] of Object.entries(metrics.per_class)) {
    for (const [key, value] of Object.entries(perClass)) {
      if (typeof value === 'number') out[`${prefix}${label}_${key}`] = value;
    }
  }
  return out;
}

/** Trains the candidate model of a workflow run from its processed folder. */
export async function trainCandidate(
  deps: { config: Config; logger: Logger },
  input: TrainingInput,
  prepared: PreprocessResult,
  run: WorkflowRun,
  options: CandidateTrainingOptions = {},
): Promise<TrainResult> {
  const { config, logger } = deps;
  const checkpoints = checkpointDir(config.MODEL_DIR, run);
  const trees = input.trees ?? config.TRAIN_TREES;
  // The forest reports its resume point (trees restored from the checkpoint) in its first progress call.
  let resumedTrees: number | undefined;
  let lastLogged = 0;
  const heldOut = readListings(join(prepared.processedDir, TEST_LISTINGS_FILE));
  const trainListings = readListings(join(prepared.processedDir, TRAIN_LISTINGS_FILE));
  // Recorded so the API can turn a sold price reported later into this model's category.
  const priceThresholds = labelPriceThresholds(trainListings);
  const result = await trainModel(trainListings, {
    trees,
    seed: input.seed ?? config.TRAIN_SEED,
    evalListings: heldOut,
    checkpointDir: checkpoints,
    ...(options.signal ? { signal: options.signal } : {}),
    onProgress: (done, total, stage) => {
      if (stage === 'forest') resumedTrees ??= done;
      options.onProgress?.(done, total, stage);
      if (done < lastLogged) lastLogged = 0; // the boosting's count starts over
      if (done === 0 || done === total || done - lastLogged >= Math.max(1, Math.floor(total / 5))) {
        lastLogged = done;
        logger.info(`${stage === 'forest' ? 'trees' : 'boosting rounds'} ${done}/${total}`);
      }
    },
    metadata: { workflowRunId: run.runId, ...(priceThresholds ? { priceThresholds } : {}) },
  });
  const bundlePath = join(prepared.processedDir, MODEL_BUNDLE_FILE);
  await saveBundle(bundlePath, result.bundle);
  // The local copy of the last trained model: the API's last fallback.
  mkdirSync(config.MODEL_DIR, { recursive: true });
  copyFileSync(bundlePath, join(config.MODEL_DIR, MODEL_BUNDLE_FILE));
  rmSync(checkpoints, { recursive: true, force: true });
  const profile = recordPerformanceProfile(result.model, heldOut, [
    prepared.referencePath,
    join(config.DATA_DIR, 'reference', REFERENCE_SNAPSHOT_FILE),
  ]);
  logger.info(
    {
      accuracy: result.metrics.accuracy,
      macro_f1: result.metrics.macro_f1,
      calibration: profile.calibration.method,
      calibration_ece: profile.calibrationError,
      fitSeconds: result.fitSeconds,
    },
    'trained',
  );
  return {
    bundlePath,
    metrics: { ...metricsRecord(result.metrics), ...profileMetrics(profile) },
    baselineMetrics: result.baselineMetrics ? metricsRecord(result.baselineMetrics) : {},
    fitSeconds: result.fitSeconds,
    resumedTrees: resumedTrees ?? 0,
  };
}
