/**
 * Realized performance: accuracy, macro-F1, per-class recall and the confusion
 * matrix of served predictions against their true categories, once labels
 * (feedback) have arrived. Same conventions as the training metrics
 * (model/metrics.ts, scikit-learn's `zero_division=0`), so a window's numbers
 * compare with the held-out scores recorded at training.
 */
import { PRICE_CATEGORIES, type PriceCategory } from '../constants.js';
import { categoryIndex, checkSameLength } from './rows.js';

/** Realized scores of predictions against truth. */
export interface RealizedPerformance {
  /** Rows scored. */
  count: number;
  /** Share of rows predicted right; 0 for no rows. */
  accuracy: number;
  /** Mean F1 over every category (a category with no truth and no prediction counts as 0). */
  macroF1: number;
  /** Recall of each category; null for a category with no truth rows. */
  recall: Record<PriceCategory, number | null>;
  /** `confusion[t][p]`: rows of true category t predicted as p, both in PRICE_CATEGORIES order. */
  confusion: number[][];
}

/**
 * Scores predictions against the true categories.
 * @throws InvalidArgumentError when the arrays differ in length or hold an unknown category
 */
export function realizedPerformance(
  truth: readonly PriceCategory[],
  predicted: readonly PriceCategory[],
): RealizedPerformance {
  checkSameLength(truth, 'truth', predicted, 'predicted');
  const k = PRICE_CATEGORIES.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const t = categoryIndex(truth[i], `truth[${i}]`);
    const p = categoryIndex(predicted[i], `predicted[${i}]`);
    confusion[t]![p]!++;
  }
  return scoresOfConfusion(confusion);
}

/** Accuracy, macro-F1 and recall of a confusion matrix (rows = truth, columns = predicted). */
export function scoresOfConfusion(confusion: number[][]): RealizedPerformance {
  const k = PRICE_CATEGORIES.length;
  let count = 0;
  let correct = 0;
  let f1Sum = 0;
  const recall = {} as Record<PriceCategory, number | null>;
  for (let c = 0; c < k; c++) {
    let support = 0;
    let predictedCount = 0;
    for (let o = 0; o < k; o++) {
      support += confusion[c]![o]!;
      predictedCount += confusion[o]![c]!;
    }
    const tp = confusion[c]![c]!;
    count += support;
    correct += tp;
    // F1 = 2TP / (2TP + FP + FN): the same value as from precision and recall, defined when either is 0.
    const denominator = support + predictedCount;
    f1Sum += denominator === 0 ? 0 : (2 * tp) / denominator;
    recall[PRICE_CATEGORIES[c]!] = support === 0 ? null : tp / support;
  }
  return {
    count,
    accuracy: count === 0 ? 0 : correct / count,
    macroF1: f1Sum / k,
    recall,
    confusion,
  };
}
