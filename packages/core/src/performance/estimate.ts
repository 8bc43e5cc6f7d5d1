/**
 * Estimated performance without labels, in the manner of confidence-based
 * performance estimation (CBPE, NannyML): if the calibrated probability of
 * category k is right on average, then over a window
 * - expected TP_k = sum over rows predicted k of q_k,
 * - expected FP_k = sum over rows predicted k of (1 - q_k),
 * - expected FN_k = sum over rows not predicted k of q_k,
 * expected accuracy = mean over rows of q of the predicted category, and the
 * expected macro-F1 is the mean over categories of 2TP / (2TP + FP + FN) on
 * those expected counts.
 *
 * Its limit, by construction: it trusts P(truth | probabilities) to be what it
 * was on the held-out rows. It follows a change of the listing mix (covariate
 * shift), but not a change of the prices themselves for the same listings
 * (concept drift): then only realized performance, from feedback, shows the drop.
 */
import { PRICE_CATEGORIES, type PriceCategory } from '../constants.js';
import { calibrateChecked, type Calibration } from './calibration.js';
import { categoryIndex, checkedProbabilityRow, checkSameLength } from './rows.js';

/** Expected scores of a window of served predictions. */
export interface EstimatedPerformance {
  /** Rows estimated over. */
  count: number;
  /** Expected accuracy; 0 for no rows. */
  accuracy: number;
  /** Expected macro-F1 from the expected confusion counts; 0 for no rows. */
  macroF1: number;
}

/**
 * Expected accuracy and macro-F1 of served predictions (see the module comment).
 * @param probabilities served probability rows, PRICE_CATEGORIES order
 * @param predicted the served category of each row
 * @param calibration the model version's calibration; undefined = the probabilities as served
 * @throws InvalidArgumentError on unpaired arrays, bad rows or unknown categories
 */
export function estimatePerformance(
  probabilities: readonly (readonly number[])[],
  predicted: readonly PriceCategory[],
  calibration: Calibration | undefined,
): EstimatedPerformance {
  checkSameLength(probabilities, 'probabilities', predicted, 'predicted');
  const k = PRICE_CATEGORIES.length;
  const tp = new Float64Array(k);
  const fp = new Float64Array(k);
  const fn = new Float64Array(k);
  let expectedCorrect = 0;
  for (let i = 0; i < probabilities.length; i++) {
    const p = checkedProbabilityRow(probabilities[i], `probabilities[${i}]`);
    const q = calibration ? calibrateChecked(calibration, p) : p;
    const answer = categoryIndex(predicted[i], `predicted[${i}]`);
    expectedCorrect += q[answer]!;
    for (let c = 0; c < k; c++) {
      if (c === answer) {
        tp[c]! += q[c]!;
        fp[c]! += 1 - q[c]!;
      } else {
        fn[c]! += q[c]!;
      }
    }
  }
  const n = probabilities.length;
  let f1Sum = 0;
  for (let c = 0; c < k; c++) {
    const denominator = 2 * tp[c]! + fp[c]! + fn[c]!;
    f1Sum += denominator === 0 ? 0 : (2 * tp[c]!) / denominator;
  }
  return { count: n, accuracy: n === 0 ? 0 : expectedCorrect / n, macroF1: n === 0 ? 0 : f1Sum / k };
}
