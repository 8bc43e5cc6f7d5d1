/**
 * How well probabilities match outcomes. The expected calibration error here
 * is the top-label ECE of the *served* prediction: for each row the
 * (calibrated) probability of the category the model answered, against
 * whether that answer was right, in ECE_BINS equal-width bins (Guo et al.
 * 2017). It is exactly the error of the accuracy estimate's ingredients, so a
 * low ECE means a trustworthy estimated accuracy.
 */
import { LOG_LOSS_EPSILON } from '../model/metrics.js';

/** Equal-width confidence bins of the ECE. */
export const ECE_BINS = 15;

/**
 * Top-label expected calibration error: sum over bins of (rows in bin / rows)
 * * |mean confidence - accuracy in the bin|. 0 for no rows.
 * @param confidence probability given to the predicted category, per row
 * @param correct whether the predicted category was the true one, per row
 */
export function expectedCalibrationError(
  confidence: readonly number[],
  correct: readonly boolean[],
  bins = ECE_BINS,
): number {
  const n = confidence.length;
  if (n === 0) return 0;
  const sumConfidence = new Float64Array(bins);
  const sumCorrect = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const c = confidence[i]!;
    const bin = Math.min(bins - 1, Math.max(0, Math.floor(c * bins)));
    sumConfidence[bin]! += c;
    if (correct[i]) sumCorrect[bin]! += 1;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) ece += Math.abs(sumConfidence[b]! - sumCorrect[b]!) / n;
  return ece;
}

/** Mean negative log probability of the true class (clipped like the training metrics). */
export function meanLogLoss(rows: readonly (readonly number[])[], truth: readonly number[]): number {
  if (rows.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < rows.length; i++) {
    const p = rows[i]![truth[i]!]!;
    sum -= Math.log(Math.min(1 - LOG_LOSS_EPSILON, Math.max(LOG_LOSS_EPSILON, p)));
  }
  return sum / rows.length;
}

/** Index of the largest value (the first one on ties, like the served model's arg-max). */
export function argmax(row: readonly number[]): number {
  let best = 0;
  for (let c = 1; c < row.length; c++) if (row[c]! > row[best]!) best = c;
  return best;
}

/** Top-label ECE of rows whose served prediction is `predicted` (class indices). */
export function servedCalibrationError(
  rows: readonly (readonly number[])[],
  predicted: readonly number[],
  truth: readonly number[],
): number {
  return expectedCalibrationError(
    rows.map((p, i) => p[predicted[i]!]!),
    predicted.map((p, i) => p === truth[i]),
  );
}
