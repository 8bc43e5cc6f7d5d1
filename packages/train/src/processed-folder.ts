/**
 * The folder preprocessing leaves for the later steps of one workflow run,
 * `<DATA_DIR>/processed/<workflowId>-<runId>/`: the two sides of the hold-out
 * split as JSON listings, the reference snapshot, a manifest, and later the
 * trained bundle.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabelledListing } from '@mlops/core/listing';
import { workflowRunKey, type WorkflowRun } from './workflow-run.js';

/** Listings the model is fitted on. */
export const TRAIN_LISTINGS_FILE = 'train.json';
/** Held-out listings: the evaluation set and the promotion gate's test split. */
export const TEST_LISTINGS_FILE = 'test.json';
/**
 * The newest labelled feedback rows, held out of training: the promotion gate scores candidate and
 * production on them. Present only when there was enough feedback (PERFORMANCE_MIN_LABELS).
 */
export const RECENT_LABELLED_FILE = 'recent-labelled.json';
/** What the preprocessing read and produced (files, counts, data fingerprint). */
export const MANIFEST_FILE = 'manifest.json';

/** The processed folder of a workflow run. */
export function processedDir(dataDir: string, run: WorkflowRun): string {
  return join(dataDir, 'processed', workflowRunKey(run));
}

export function writeListings(path: string, listings: readonly LabelledListing[]): void {
  writeFileSync(path, JSON.stringify(listings));
}

export function readListings(path: string): LabelledListing[] {
  return JSON.parse(readFileSync(path, 'utf8')) as LabelledListing[];
}
