/**
 * One production window's performance against the model version's profile:
 * realized scores on the rows whose true category has arrived, estimated
 * scores on every served row, and the two alert checks. Pure: the monitor
 * reads the window (served rows joined with feedback) and calls this.
 *
 * Both checks measure a drop of accuracy from the held-out accuracy at
 * training (positive = worse) and alert above their threshold:
 * - `performance.realized`: ground truth, judged only with at least
 *   `minLabels` labelled rows (fewer: `insufficient-data`);
 * - `performance.estimated`: the CBPE estimate over all served rows, judged
 *   with at least `minRows` rows.
 */
import type { Config } from '../config.js';
import type { PriceCategory } from '../constants.js';
import { InvalidArgumentError } from '../errors.js';
import { estimatePerformance, type EstimatedPerformance } from './estimate.js';
import type { ModelPerformanceProfile } from './profile.js';
import { realizedPerformance, type RealizedPerformance } from './realized.js';
import { checkSameLength } from './rows.js';

/** Alert thresholds of the performance checks. */
export interface PerformanceThresholds {
  /** Largest tolerated drop of realized accuracy from held-out. */
  realizedDrop: number;
  /** Largest tolerated drop of estimated accuracy from held-out. */
  estimatedDrop: number;
  /** Labelled rows needed before the realized check is judged. */
  minLabels: number;
  /** Served rows needed before the estimated check is judged. */
  minRows: number;
}

/** The defaults of the configuration (PERFORMANCE_* and DRIFT_MIN_SAMPLES). */
export const DEFAULT_PERFORMANCE_THRESHOLDS: Readonly<PerformanceThresholds> = Object.freeze({
  realizedDrop: 0.03,
  estimatedDrop: 0.03,
  minLabels: 200,
  minRows: 200,
});

/** Thresholds from the configuration; the estimate needs as many rows as the drift checks. */
export function performanceThresholdsFromConfig(
  config: Pick<
    Config,
    | 'PERFORMANCE_REALIZED_DROP'
    | 'PERFORMANCE_ESTIMATED_DROP'
    | 'PERFORMANCE_MIN_LABELS'
    | 'DRIFT_MIN_SAMPLES'
  >,
): PerformanceThresholds {
  return {
    realizedDrop: config.PERFORMANCE_REALIZED_DROP,
    estimatedDrop: config.PERFORMANCE_ESTIMATED_DROP,
    minLabels: config.PERFORMANCE_MIN_LABELS,
    minRows: config.DRIFT_MIN_SAMPLES,
  };
}

/** Names of the two performance alert kinds. */
export const PERFORMANCE_ALERT_KINDS = ['performance.realized', 'performance.estimated'] as const;
export type PerformanceAlertKind = (typeof PERFORMANCE_ALERT_KINDS)[number];

/** One performance check, shaped like a drift check. */
export interface PerformanceCheck {
  name: PerformanceAlertKind;
  /** Run metric name of `value`. */
  metric: 'performance_realized_drop' | 'performance_estimated_drop';
  /** Held-out accuracy minus the window's accuracy; null when there is nothing to score. */
  value: number | null;
  threshold: number;
  status: 'alert' | 'ok' | 'insufficient-data' | 'n/a';
  /**
   * Sampling noise of the window's accuracy (binomial standard error on the
   * labelled rows), for judging a drop near the threshold: with 200 labels and
   * accuracy 0.75 it is 0.03, as large as the default threshold.
   */
  standardError: number | null;
  note?: string;
}

/** The window's rows: what was served, and the truth where feedback arrived. */
export interface PerformanceWindowInput {
  /** Served probability rows, PRICE_CATEGORIES order. */
  probabilities: readonly (readonly number[])[];
  /** Served category per row. */
  predicted: readonly PriceCategory[];
  /** True category per row, null where no feedback has arrived (same length as `predicted`). */
  truth: readonly (PriceCategory | null)[];
}

/** What evaluatePerformanceWindow returns. */
export interface PerformanceWindowEvaluation {
  /** Served rows in the window. */
  rows: number;
  /** Rows with a true category. */
  labelled: number;
  /** labelled / rows (0 for an empty window). */
  labelCoverage: number;
  /** The profile's held-out accuracy and macro-F1 (the baseline of both checks). */
  heldOut: { accuracy: number; macroF1: number };
  /** Scores on the labelled rows; null when none is labelled. */
  realized: RealizedPerformance | null;
  /** Expected scores over every served row; null for an empty window. */
  estimated: EstimatedPerformance | null;
  /** Both checks: realized first, then estimated. */
  checks: [PerformanceCheck, PerformanceCheck];
  /** The checks whose status is `alert`. */
  alerts: PerformanceCheck[];
}

function judge(
  name: PerformanceAlertKind,
  value: number | null,
  threshold: number,
  enough: boolean,
  standardError: number | null,
  note: string,
): PerformanceCheck {
  const metric = name === 'performance.realized' ? 'performance_realized_drop' : 'performance_estimated_drop';
  const status = value === null ? 'n/a' : !enough ? 'insufficient-data' : value > threshold ? 'alert' : 'ok';
  return { name, metric, value, threshold, status, standardError, note };
}

/**
 * Realized and estimated performance of a window against the profile, and the
 * two alert checks (see the module comment).
 * @throws InvalidArgumentError on unpaired arrays, bad rows or categories, or bad thresholds
 */
export function evaluatePerformanceWindow(
  window: PerformanceWindowInput,
  profile: ModelPerformanceProfile,
  thresholds: PerformanceThresholds = DEFAULT_PERFORMANCE_THRESHOLDS,
): PerformanceWindowEvaluation {
  checkSameLength(window.probabilities, 'probabilities', window.predicted, 'predicted');
  checkSameLength(window.truth, 'truth', window.predicted, 'predicted');
  for (const key of ['realizedDrop', 'estimatedDrop', 'minLabels', 'minRows'] as const) {
    const v = thresholds[key];
    if (!Number.isFinite(v) || v < 0) {
      throw new InvalidArgumentError(`performance threshold ${key} must be a finite number >= 0, got ${v}`);
    }
  }
  const rows = window.predicted.length;
  const truth: PriceCategory[] = [];
  const labelledPredicted: PriceCategory[] = [];
  window.truth.forEach((t, i) => {
    if (t === null || t === undefined) return;
    truth.push(t);
    labelledPredicted.push(window.predicted[i]!);
  });
  const labelled = truth.length;
  const realized = labelled > 0 ? realizedPerformance(truth, labelledPredicted) : null;
  const estimated =
    rows > 0 ? estimatePerformance(window.probabilities, window.predicted, profile.calibration) : null;
  const heldOut = { accuracy: profile.heldOut.accuracy, macroF1: profile.heldOut.macroF1 };
  const percent = (x: number): string => `${(100 * x).toFixed(1)} %`;

  const realizedCheck = judge(
    'performance.realized',
    realized ? heldOut.accuracy - realized.accuracy : null,
    thresholds.realizedDrop,
    labelled >= thresholds.minLabels,
    realized ? Math.sqrt((realized.accuracy * (1 - realized.accuracy)) / labelled) : null,
    realized
      ? `accuracy ${percent(realized.accuracy)} on ${labelled} labelled rows (${percent(labelled / rows)} of ${rows}) vs ${percent(heldOut.accuracy)} held out` +
          (labelled < thresholds.minLabels ? `; needs ${thresholds.minLabels} labelled rows` : '')
      : 'no labelled rows in the window',
  );
  const estimatedCheck = judge(
    'performance.estimated',
    estimated ? heldOut.accuracy - estimated.accuracy : null,
    thresholds.estimatedDrop,
    rows >= thresholds.minRows,
    estimated ? Math.sqrt((estimated.accuracy * (1 - estimated.accuracy)) / rows) : null,
    estimated
      ? `estimated accuracy ${percent(estimated.accuracy)} on ${rows} rows vs ${percent(heldOut.accuracy)} held out` +
          (rows < thresholds.minRows ? `; needs ${thresholds.minRows} rows` : '')
      : 'no served rows in the window',
  );
  const checks: [PerformanceCheck, PerformanceCheck] = [realizedCheck, estimatedCheck];
  return {
    rows,
    labelled,
    labelCoverage: rows === 0 ? 0 : labelled / rows,
    heldOut,
    realized,
    estimated,
    checks,
    alerts: checks.filter((c) => c.status === 'alert'),
  };
}
