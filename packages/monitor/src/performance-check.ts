/**
 * The performance part of a monitoring check: the window's served rows with their feedback
 * (readPerformanceWindow), scored against the model version's held-out profile with core's
 * evaluatePerformanceWindow (realized accuracy on the labelled rows, CBPE estimate on all rows, the
 * `performance.realized` / `performance.estimated` checks), the label coverage and delay, the run
 * metrics, and two plots: realized vs estimated accuracy over the last checks, and the confusion
 * matrix of the labelled rows.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRICE_CATEGORIES } from '@mlops/core';
import {
  evaluatePerformanceWindow,
  realizedPerformance,
  type EstimatedPerformance,
  type ModelPerformanceProfile,
  type PerformanceCheck,
  type PerformanceThresholds,
  type RealizedPerformance,
} from '@mlops/core/performance';
import { confusionMatrixPlot, realizedVsEstimatedPlot } from '@mlops/plots';
import { readPerformanceWindow, summarizeLabelDelays, type LabelDelaySummary } from './performance-window.js';
import { readPostgresPerformanceWindow } from './performance-window-postgres.js';
import type { ProductionWindowSpec } from './production-window.js';

/** File names of the performance plots, beside the drift plots of the same check. */
export const PERFORMANCE_PLOT_FILES = {
  accuracy: 'performance-accuracy.png',
  confusion: 'confusion-matrix.png',
} as const;
export type PerformancePlotName = keyof typeof PERFORMANCE_PLOT_FILES;

/** One check's accuracies, as the realized-vs-estimated plot draws them over time. */
export interface PerformanceHistoryPoint {
  checkedAt: string;
  realized: number | null;
  estimated: number;
  heldOut: number | null;
}

/** The performance section of a check result (drift-check.json's `performance`). */
export interface PerformanceSection {
  /** `evaluated` with the version's held-out profile; `no-profile` for a model trained before profiles. */
  status: 'evaluated' | 'no-profile';
  rows: number;
  labelled: number;
  labelCoverage: number;
  heldOut: { accuracy: number; macroF1: number } | null;
  realized: RealizedPerformance | null;
  estimated: EstimatedPerformance | null;
  /** Both checks (empty without a profile). */
  checks: PerformanceCheck[];
  /** The checks whose status is `alert`. */
  alerts: PerformanceCheck[];
  labelDelay: LabelDelaySummary | null;
  /** Run metrics: `performance.*` scores, `recall.*`, `labels.*` and `label_delay.*` seconds. */
  metrics: Record<string, number>;
  historyPoint: PerformanceHistoryPoint | null;
  /** Absolute paths of the plots drawn (the confusion matrix only with labelled rows). */
  plots: Partial<Record<PerformancePlotName, string>>;
  readMs: number;
}

export interface PerformanceCheckOptions {
  /** The production log file; unused when `url` is set. */
  dbPath: string;
  /** PRODUCTION_LOG_URL: read the window and its feedback from that PostgreSQL database instead. */
  url?: string;
  window: ProductionWindowSpec;
  /** The version's held-out profile (the reference snapshot's `performance`). */
  profile: ModelPerformanceProfile | undefined;
  thresholds: PerformanceThresholds;
  /** Earlier checks' points, oldest first. */
  history?: readonly PerformanceHistoryPoint[];
  /** Where the plots go (the check's stamped plot folder). */
  plotDir: string;
  checkedAt: string;
  /** Points shown in the accuracy plot; default 30. */
  historyLength?: number;
}

/** Runs the performance part of a check (see the module comment). */
export async function checkPerformance(options: PerformanceCheckOptions): Promise<PerformanceSection> {
  const read =
    options.url !== undefined
      ? await readPostgresPerformanceWindow(options.url, options.window)
      : readPerformanceWindow(options.dbPath, options.window);
  const labelDelay = summarizeLabelDelays(read.labelDelaysMs);
  const section: PerformanceSection = {
    status: options.profile ? 'evaluated' : 'no-profile',
    rows: read.rows,
    labelled: 0,
    labelCoverage: 0,
    heldOut: null,
    realized: null,
    estimated: null,
    checks: [],
    alerts: [],
    labelDelay,
    metrics: {},
    historyPoint: null,
    plots: {},
    readMs: read.readMs,
  };
  if (options.profile) {
    const evaluation = evaluatePerformanceWindow(read, options.profile, options.thresholds);
    Object.assign(section, {
      labelled: evaluation.labelled,
      labelCoverage: evaluation.labelCoverage,
      heldOut: evaluation.heldOut,
      realized: evaluation.realized,
      estimated: evaluation.estimated,
      checks: evaluation.checks,
      alerts: evaluation.alerts,
    });
  } else {
    // No profile, no baseline: realized scores are still worth showing, without alerts.
    const truth = read.truth.flatMap((t) => (t === null ? [] : [t]));
    const predicted = read.predicted.filter((_, i) => read.truth[i] !== null);
    section.labelled = truth.length;
    section.labelCoverage = read.rows === 0 ? 0 : truth.length / read.rows;
    section.realized = truth.length > 0 ? realizedPerformance(truth, predicted) : null;
  }
  section.metrics = performanceMetrics(section);
  if (section.estimated) {
    section.historyPoint = {
      checkedAt: options.checkedAt,
      realized:
        section.realized && section.labelled >= options.thresholds.minLabels
          ? section.realized.accuracy
          : null,
      estimated: section.estimated.accuracy,
      heldOut: section.heldOut?.accuracy ?? null,
    };
  }

  const points = [...(options.history ?? []), ...(section.historyPoint ? [section.historyPoint] : [])].slice(
    -(options.historyLength ?? 30),
  );
  if (points.length > 0) {
    const path = join(options.plotDir, PERFORMANCE_PLOT_FILES.accuracy);
    const subtitle = section.checks.map((c) => `${c.name}: ${c.status}`).join(' | ');
    writeFileSync(
      path,
      await realizedVsEstimatedPlot(
        points.map((p) => ({
          time: p.checkedAt,
          realized: p.realized,
          estimated: p.estimated,
          heldOut: p.heldOut,
        })),
        { threshold: options.thresholds.realizedDrop, ...(subtitle ? { subtitle } : {}) },
      ),
    );
    section.plots.accuracy = path;
  }
  if (section.realized) {
    const path = join(options.plotDir, PERFORMANCE_PLOT_FILES.confusion);
    const r = section.realized;
    writeFileSync(
      path,
      await confusionMatrixPlot(r.confusion, PRICE_CATEGORIES, {
        subtitle: `${r.count} labelled rows, accuracy ${(100 * r.accuracy).toFixed(1)} %`,
      }),
    );
    section.plots.confusion = path;
  }
  return section;
}

/** The run metrics of a performance section (only the values that exist). */
export function performanceMetrics(section: PerformanceSection): Record<string, number> {
  // Grouped by prefix on the registry's monitoring page: counts apart from the 0-1 scores.
  const metrics: Record<string, number> = {
    'labels.labelled_rows': section.labelled,
    'labels.coverage': section.labelCoverage,
  };
  if (section.realized) {
    metrics['performance.realized_accuracy'] = section.realized.accuracy;
    metrics['performance.realized_macro_f1'] = section.realized.macroF1;
    for (const category of PRICE_CATEGORIES) {
      const recall = section.realized.recall[category];
      if (recall !== null) metrics[`recall.${category}`] = recall;
    }
  }
  if (section.estimated) {
    metrics['performance.estimated_accuracy'] = section.estimated.accuracy;
    metrics['performance.estimated_macro_f1'] = section.estimated.macroF1;
  }
  if (section.heldOut) metrics['performance.held_out_accuracy'] = section.heldOut.accuracy;
  for (const check of section.checks) if (check.value !== null) metrics[check.metric] = check.value;
  if (section.labelDelay) {
    metrics['label_delay.median_s'] = section.labelDelay.medianSeconds;
    metrics['label_delay.p90_s'] = section.labelDelay.p90Seconds;
  }
  return metrics;
}
