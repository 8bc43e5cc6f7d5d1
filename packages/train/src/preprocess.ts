/**
 * The preprocessing step: parse the raw CSVs (labelling each listing), hold
 * out the evaluation split with core's `holdoutSplit` (the same split
 * `mlops train` makes), and write both sides, the reference snapshot and a
 * manifest into the run's processed folder.
 */
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidDataError, REFERENCE_SNAPSHOT_FILE, type Config, type Logger } from '@mlops/core';
import { buildReferenceSnapshot, writeReferenceSnapshot } from '@mlops/core/drift';
import { loadRawListings, type LabelledListing } from '@mlops/core/listing';
import { DEFAULT_HOLDOUT_FRACTION, holdoutSplit } from '@mlops/core/model';
import { listingsFingerprint } from '@mlops/core/sampling';
import type { PreprocessResult, TrainingInput } from '@mlops/temporal';
import { splitRecentWindow } from './feedback-listings.js';
import { readConfiguredLabelledFeedback } from './feedback-listings-postgres.js';
import {
  MANIFEST_FILE,
  RECENT_LABELLED_FILE,
  TEST_LISTINGS_FILE,
  TRAIN_LISTINGS_FILE,
  processedDir,
  writeListings,
} from './processed-folder.js';
import { rawDataFiles } from './raw-data.js';
import type { WorkflowRun } from './workflow-run.js';

/** Fewest usable listings a model is trained on. */
export const MIN_TRAINING_LISTINGS = 50;

/** Preprocesses the raw listings for one workflow run (rerunnable: a retry rewrites the same folder). */
export async function preprocess(
  deps: { config: Config; logger: Logger },
  input: TrainingInput,
  run: WorkflowRun,
): Promise<PreprocessResult> {
  const { config, logger } = deps;
  const files = await rawDataFiles(deps, {
    dataPath: input.dataPath,
    seed: input.seed ?? config.TRAIN_SEED,
  });
  const listings: LabelledListing[] = [];
  let nBadRows = 0;
  for (const file of files) {
    const load = await loadRawListings(file, { maxBadRowFraction: config.MAX_BAD_ROW_FRACTION });
    listings.push(...load.listings);
    nBadRows += load.badRows.length;
    if (load.badRows.length > 0) logger.warn({ file, badRows: load.badRows.length }, 'rows skipped');
  }
  // Ground truth sent back for served predictions (from PRODUCTION_LOG_URL when set): the newest share is held out for the promotion
  // gate, the rest is trained on (TRAIN_FEEDBACK_WEIGHT times each), labelled with its true category.
  const feedback = splitRecentWindow(
    await readConfiguredLabelledFeedback(config),
    config.PROMOTION_FEEDBACK_WINDOW ? config.PERFORMANCE_MIN_LABELS : Number.POSITIVE_INFINITY,
  );
  for (let copy = 0; copy < config.TRAIN_FEEDBACK_WEIGHT; copy++) listings.push(...feedback.train);
  if (feedback.train.length + feedback.recent.length > 0) {
    logger.info(
      {
        trained: feedback.train.length,
        weight: config.TRAIN_FEEDBACK_WEIGHT,
        recentWindow: feedback.recent.length,
      },
      'labelled feedback included',
    );
  }
  if (listings.length < MIN_TRAINING_LISTINGS) {
    throw new InvalidDataError(
      `${files.join(', ')}: ${listings.length} usable listings; at least ${MIN_TRAINING_LISTINGS} are needed to train`,
    );
  }
  // A content-hash split: listings keep their side as data accumulates, so the gate never
  // scores the production model on listings it was trained on.
  const { train, test } = holdoutSplit(listings, DEFAULT_HOLDOUT_FRACTION);
  // The fingerprint the bundle records of the listings it is fitted on (trainModel computes the same).
  const dataFingerprint = listingsFingerprint(train);

  const dir = processedDir(config.DATA_DIR, run);
  mkdirSync(dir, { recursive: true });
  writeListings(join(dir, TRAIN_LISTINGS_FILE), train);
  writeListings(join(dir, TEST_LISTINGS_FILE), test);
  rmSync(join(dir, RECENT_LABELLED_FILE), { force: true });
  if (feedback.recent.length > 0) writeListings(join(dir, RECENT_LABELLED_FILE), feedback.recent);
  const referencePath = join(dir, REFERENCE_SNAPSHOT_FILE);
  writeReferenceSnapshot(
    referencePath,
    buildReferenceSnapshot(
      train,
      train.map((l) => l.price_category),
    ),
  );
  // The latest reference also goes where `mlops monitor --once` looks by default.
  mkdirSync(join(config.DATA_DIR, 'reference'), { recursive: true });
  copyFileSync(referencePath, join(config.DATA_DIR, 'reference', REFERENCE_SNAPSHOT_FILE));
  writeFileSync(
    join(dir, MANIFEST_FILE),
    JSON.stringify(
      {
        files,
        nTrain: train.length,
        nTest: test.length,
        nBadRows,
        dataFingerprint,
        // Only runs that had feedback say how much of it they used.
        ...(feedback.train.length + feedback.recent.length > 0
          ? {
              feedback: {
                trained: feedback.train.length,
                weight: config.TRAIN_FEEDBACK_WEIGHT,
                recentWindow: feedback.recent.length,
              },
            }
          : {}),
      },
      null,
      2,
    ),
  );
  return {
    processedDir: dir,
    referencePath,
    nTrain: train.length,
    nTest: test.length,
    nBadRows,
    dataFingerprint,
  };
}
