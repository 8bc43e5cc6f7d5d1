/**
 * The performance profile of a trained model on its held-out listings,
 * scored through the served code path (Model.predictProbaBatch), so the
 * held-out scores and the calibration are those of the answers the API gives.
 */
import type { LabelledListing } from '../listing/listing.js';
import type { Model } from '../model/model.js';
import { buildPerformanceProfile, probabilityRows, type ModelPerformanceProfile } from './profile.js';

/**
 * Profile of `model` on `heldOut` (listings it was not fitted on: the hold-out
 * of `holdoutSplit` or an evaluation set).
 * @throws InvalidArgumentError when there are no held-out listings
 */
export function profileModel(model: Model, heldOut: readonly LabelledListing[]): ModelPerformanceProfile {
  return buildPerformanceProfile(
    probabilityRows(model.predictProbaBatch(heldOut)),
    heldOut.map((listing) => listing.price_category),
  );
}

/** Run metrics of a profile (held-out accuracy and macro-F1 are logged already as `accuracy` / `macro_f1`). */
export function profileMetrics(profile: ModelPerformanceProfile): Record<string, number> {
  return {
    calibration_ece_before: profile.calibrationError.before,
    calibration_ece_after: profile.calibrationError.after,
  };
}
