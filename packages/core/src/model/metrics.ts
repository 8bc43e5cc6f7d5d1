/**
 * Classification metrics for the price-category model: accuracy, precision /
 * recall / F1 (per class, macro, weighted), one-vs-rest ROC-AUC, log loss and
 * the confusion matrix. Definitions follow scikit-learn's so numbers compare
 * with the old Python stack:
 * - a ratio whose denominator is 0 (no predicted or no true members) is 0,
 *   like scikit-learn's `zero_division=0`;
 * - macro averages take every class in `labels`, even one without support;
 * - weighted averages weight each class by its support (true count);
 * - ROC-AUC ranks tied scores by their average rank (the Mann-Whitney U form),
 *   and a class with no positive or no negative rows has no AUC (null) and is
 *   left out of both AUC averages;
 * - log loss clips probabilities to [1e-15, 1 - 1e-15].
 */
import { InvalidArgumentError } from '../errors.js';

/** Precision, recall, F1 and support of one class. */
export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** Number of rows whose true class is this one. */
  support: number;
  /** One-vs-rest ROC-AUC of this class; null when the class has no positives or no negatives. */
  roc_auc: number | null;
}

/** All metrics of one evaluation, with the JSON names the registry and the CLI use. */
export interface ClassificationMetrics {
  accuracy: number;
  macro_precision: number;
  macro_recall: number;
  macro_f1: number;
  weighted_precision: number;
  weighted_recall: number;
  weighted_f1: number;
  /** Mean one-vs-rest ROC-AUC over the classes that have one; null when none has. */
  roc_auc_macro: number | null;
  /** Support-weighted one-vs-rest ROC-AUC; null when no class has one. */
  roc_auc_weighted: number | null;
  /** Mean negative log-likelihood of the true class, natural log, probabilities clipped. */
  log_loss: number;
  /** `confusion_matrix[t][p]`: rows with true class t predicted as p, in `labels` order. */
  confusion_matrix: number[][];
  /** Per-class metrics keyed by label name. */
  per_class: Record<string, ClassMetrics>;
  /** Number of rows evaluated. */
  n: number;
}

/** Probabilities are clipped to [LOG_LOSS_EPSILON, 1 - LOG_LOSS_EPSILON] before the log. */
export const LOG_LOSS_EPSILON = 1e-15;

/** Index of the largest value of `proba[offset .. offset + k)`; the first one wins ties. */
export function argmaxRow(proba: ArrayLike<number>, offset: number, k: number): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let c = 0; c < k; c++) {
    const v = proba[offset + c]!;
    if (v > bestValue) {
      bestValue = v;
      best = c;
    }
  }
  return best;
}

/**
 * Confusion matrix of true vs predicted class indices (0 .. nClasses-1).
 * `result[t][p]` counts rows of true class t predicted as p.
 */
export function confusionMatrix(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  nClasses: number,
): number[][] {
  if (yTrue.length !== yPred.length) {
    throw new InvalidArgumentError(
      `yTrue and yPred must have the same length, got ${yTrue.length} and ${yPred.length}`,
    );
  }
  const matrix = Array.from({ length: nClasses }, () => new Array<number>(nClasses).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = checkClass(yTrue[i]!, nClasses, 'yTrue', i);
    const p = checkClass(yPred[i]!, nClasses, 'yPred', i);
    matrix[t]![p]!++;
  }
  return matrix;
}

/**
 * Area under the ROC curve of a binary problem: the probability that a random
 * positive scores above a random negative, ties counting one half (computed
 * from average ranks). Returns null when there are no positives or no negatives.
 */
export function rocAuc(isPositive: ArrayLike<boolean>, scores: ArrayLike<number>): number | null {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let positiveRankSum = 0;
  let i = 0;
  while (i < n) {
    // A run of equal scores shares the mean of the ranks it spans (1-based ranks i+1 .. j).
    let j = i + 1;
    while (j < n && scores[order[j]!] === scores[order[i]!]) j++;
    const averageRank = (i + 1 + j) / 2;
    for (let r = i; r < j; r++) {
      if (isPositive[order[r]!]) {
        positives++;
        positiveRankSum += averageRank;
      }
    }
    i = j;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Mean log loss of row-major class probabilities (`proba[i * nClasses + c]`)
 * against true class indices, natural log, each probability clipped to
 * [LOG_LOSS_EPSILON, 1 - LOG_LOSS_EPSILON]. Rows are not renormalised.
 */
export function logLoss(yTrue: ArrayLike<number>, proba: ArrayLike<number>, nClasses: number): number {
  if (yTrue.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const p = proba[i * nClasses + yTrue[i]!]!;
    sum -= Math.log(Math.min(1 - LOG_LOSS_EPSILON, Math.max(LOG_LOSS_EPSILON, p)));
  }
  return sum / yTrue.length;
}

/**
 * Every metric of one evaluation.
 * @param yTrue true class index per row (0 .. labels.length-1)
 * @param proba row-major class probabilities, `yTrue.length * labels.length` values
 * @param labels class names in index order (the keys of `per_class`)
 * @param yPred predicted class per row; defaults to the arg-max of `proba`
 */
export function classificationMetrics(
  yTrue: ArrayLike<number>,
  proba: ArrayLike<number>,
  labels: readonly string[],
  yPred?: ArrayLike<number>,
): ClassificationMetrics {
  const k = labels.length;
  const n = yTrue.length;
  if (proba.length !== n * k) {
    throw new InvalidArgumentError(
      `proba must hold ${n} rows x ${k} classes = ${n * k} values, got ${proba.length}`,
    );
  }
  const predicted = yPred ?? Array.from({ length: n }, (_, i) => argmaxRow(proba, i * k, k));
  const matrix = confusionMatrix(yTrue, predicted, k);

  const perClass: Record<string, ClassMetrics> = {};
  let correct = 0;
  let macroP = 0;
  let macroR = 0;
  let macroF = 0;
  let weightedP = 0;
  let weightedR = 0;
  let weightedF = 0;
  let aucSum = 0;
  let aucCount = 0;
  let aucWeighted = 0;
  let aucSupport = 0;
  for (let c = 0; c < k; c++) {
    const tp = matrix[c]![c]!;
    correct += tp;
    let support = 0;
    let predictedCount = 0;
    for (let o = 0; o < k; o++) {
      support += matrix[c]![o]!;
      predictedCount += matrix[o]![c]!;
    }
    const precision = predictedCount === 0 ? 0 : tp / predictedCount;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    const isPositive = Array.from({ length: n }, (_, i) => yTrue[i] === c);
    const scores = Array.from({ length: n }, (_, i) => proba[i * k + c]!);
    const auc = rocAuc(isPositive, scores);
    perClass[labels[c]!] = { precision, recall, f1, support, roc_auc: auc };
    macroP += precision / k;
    macroR += recall / k;
    macroF += f1 / k;
    if (n > 0) {
      weightedP += (precision * support) / n;
      weightedR += (recall * support) / n;
      weightedF += (f1 * support) / n;
    }
    if (auc !== null) {
      aucSum += auc;
      aucCount++;
      aucWeighted += auc * support;
      aucSupport += support;
    }
  }
  return {
    accuracy: n === 0 ? 0 : correct / n,
    macro_precision: macroP,
    macro_recall: macroR,
    macro_f1: macroF,
    weighted_precision: weightedP,
    weighted_recall: weightedR,
    weighted_f1: weightedF,
    roc_auc_macro: aucCount === 0 ? null : aucSum / aucCount,
    roc_auc_weighted: aucSupport === 0 ? null : aucWeighted / aucSupport,
    log_loss: logLoss(yTrue, proba, k),
    confusion_matrix: matrix,
    per_class: perClass,
    n,
  };
}

function checkClass(value: number, nClasses: number, name: string, row: number): number {
  if (!Number.isInteger(value) || value < 0 || value >= nClasses) {
    throw new InvalidArgumentError(
      `${name}[${row}] must be a class index in 0..${nClasses - 1}, got ${value}`,
    );
  }
  return value;
}
