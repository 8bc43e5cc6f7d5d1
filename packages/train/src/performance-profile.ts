/**
 * Adds a trained model's performance profile to its reference snapshot(s):
 * preprocessing wrote the snapshot before the model existed, so training
 * completes it. Rerunnable: a retried attempt overwrites the same field.
 */
import type { LabelledListing } from '@mlops/core/listing';
import { readReferenceSnapshot, writeReferenceSnapshot } from '@mlops/core/drift';
import type { Model } from '@mlops/core/model';
import { profileModel, type ModelPerformanceProfile } from '@mlops/core/performance';

/**
 * Profiles `model` on its held-out listings and stores the profile as the
 * `performance` field of each reference snapshot file in `referencePaths`.
 * @returns the profile
 */
export function recordPerformanceProfile(
  model: Model,
  heldOut: readonly LabelledListing[],
  referencePaths: readonly string[],
): ModelPerformanceProfile {
  const performance = profileModel(model, heldOut);
  for (const path of referencePaths) {
    writeReferenceSnapshot(path, { ...readReferenceSnapshot(path), performance });
  }
  return performance;
}
