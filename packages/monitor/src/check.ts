/**
 * One drift check, start to finish, without Temporal or the registry: read the
 * production window, compute the statistics and alerts against the reference,
 * draw the four plots, write the Markdown/HTML report and the result JSON.
 * The monitoring workflow's activity and `mlops monitor --once` both call it;
 * uploading the files to a monitoring run is the caller's business.
 *
 * Files of a check made at time T (stamp = T in ISO form with ':' and '.' as '-'):
 * - <plotsDir>/<stamp>/{district-distribution,address-cardinality,prediction-distribution,drift-history}.png
 * - <reportsDir>/<stamp>/{drift-report.md,drift-report.html,drift-check.json}
 * - the same names under <plotsDir>/latest/ and <reportsDir>/latest/ (copies of the last check)
 * Defaults: plotsDir <dataDir>/monitoring/plots, reportsDir <dataDir>/monitoring/reports.
 * The oldest stamped folders beyond `keepChecks` (default 100) are deleted.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { InvalidArgumentError } from '@mlops/core';
import type { PerformanceThresholds } from '@mlops/core/performance';
import {
  DEFAULT_DRIFT_THRESHOLDS,
  driftHeadline,
  driftHistoryPoint,
  driftMetrics,
  evaluateDrift,
  formatDriftValue,
  renderDriftReportHtml,
  renderDriftReportMarkdown,
  type DriftCheck,
  type DriftHistoryPoint,
  type DriftReportInput,
  type DriftThresholds,
  type ReferenceSnapshot,
} from '@mlops/core/drift';
import {
  DEFAULT_PLOT_SIZE,
  HISTORY_PLOT_SIZE,
  plotAddressCardinality,
  plotCategoryDistribution,
  plotDriftHistory,
  plotPredictionDistribution,
  type PlotSize,
} from '@mlops/plots';
import {
  checkPerformance,
  PERFORMANCE_PLOT_FILES,
  type PerformanceHistoryPoint,
  type PerformanceSection,
} from './performance-check.js';
import {
  productionLogPath,
  readProductionWindow,
  type ProductionWindowRead,
  type ProductionWindowSpec,
} from './production-window.js';

/** `kind` of a drift check result file. */
export const DRIFT_CHECK_KIND = 'mlops.drift-check';
export const DRIFT_CHECK_FORMAT_VERSION = 1;

/** File names of one check's plots and reports. */
export const DRIFT_PLOT_FILES = {
  district: 'district-distribution.png',
  addressCardinality: 'address-cardinality.png',
  predictions: 'prediction-distribution.png',
  history: 'drift-history.png',
} as const;
export const DRIFT_REPORT_FILES = {
  markdown: 'drift-report.md',
  html: 'drift-report.html',
  json: 'drift-check.json',
} as const;
/** Name of the folders holding copies of the last check's files. */
export const LATEST_CHECK_FOLDER = 'latest';

export type DriftPlotName = keyof typeof DRIFT_PLOT_FILES;

/** Options of runDriftCheck. */
export interface DriftCheckOptions {
  /** DATA_DIR: the production log and the default output folders are under it. */
  dataDir: string;
  /** The current model's reference snapshot. */
  reference: ReferenceSnapshot;
  /** Which logged rows to compare; default the whole log. */
  window?: ProductionWindowSpec;
  /** Default: the configuration defaults (DEFAULT_DRIFT_THRESHOLDS). */
  thresholds?: DriftThresholds;
  /** Previous checks, oldest first (the current one is appended for the history plot). */
  history?: readonly DriftHistoryPoint[];
  /** Time of the check; default now. */
  now?: Date | number;
  /** Default <dataDir>/monitoring/plots. */
  plotsDir?: string;
  /** Default <dataDir>/monitoring/reports. */
  reportsDir?: string;
  /** Default <dataDir>/production/predictions.db. */
  productionLogPath?: string;
  /** PRODUCTION_LOG_URL: read the window from this PostgreSQL database instead of the file. */
  productionLogUrl?: string;
  /** PNG size of the three distribution plots; default 1000 x 560. */
  plotSize?: PlotSize;
  /** PNG size of the history plot; default 1000 x 800. */
  historyPlotSize?: PlotSize;
  /** Checks shown in the history plot; default 30. */
  historyLength?: number;
  /** Stamped check folders kept in plotsDir and reportsDir; default 100. */
  keepChecks?: number;
  /** Passed to readProductionWindow (default: a worker thread for large windows). */
  parallel?: boolean;
  /**
   * Also score the window's performance (feedback joined to the served rows) against the reference's
   * held-out profile, with these thresholds and the earlier checks' points. Absent: drift only.
   */
  performance?: { thresholds: PerformanceThresholds; history?: readonly PerformanceHistoryPoint[] };
}

/** A fired alert, as the workflow records it. */
export interface DriftAlert {
  name: string;
  value: number;
  threshold: number;
}

/** Everything one check produced; also written as drift-check.json. */
export interface DriftCheckResult {
  kind: typeof DRIFT_CHECK_KIND;
  formatVersion: typeof DRIFT_CHECK_FORMAT_VERSION;
  /** ISO time of the check. */
  checkedAt: string;
  /** insufficient-data below minSamples rows; drift with at least one alert; else ok. */
  status: 'ok' | 'drift' | 'insufficient-data';
  /** One line for people. */
  headline: string;
  alertCount: number;
  /** alertCount >= thresholds.minAlerts. */
  retrainRecommended: boolean;
  thresholds: DriftThresholds;
  window: {
    spec: ProductionWindowSpec;
    description: string;
    rows: number;
    /** Served time of the first and last row, epoch ms. */
    firstTs: number | null;
    lastTs: number | null;
    productionLog: string;
    /** False when no production log exists yet. */
    logExists: boolean;
    idRange: { first: number; last: number } | null;
  };
  reference: { createdAt: string; rows: number };
  /** Every check (alerting first, then informational). */
  checks: DriftCheck[];
  alerts: DriftAlert[];
  /** Registry metrics: every computed check value by name, alert_count, window_rows. */
  metrics: Record<string, number>;
  /** This check as a point of the history plot. */
  historyPoint: DriftHistoryPoint;
  /** Absolute paths of the plots (stamped copies). */
  plots: Record<DriftPlotName, string>;
  /** Absolute paths of the reports (stamped copies). */
  reports: { markdown: string; html: string; json: string };
  /**
   * Realized and estimated performance of the window, its checks, metrics and plots; null when the
   * check ran without `performance`. Its alerts are in `alerts` too.
   */
  performance: PerformanceSection | null;
  /** Wall time per phase, milliseconds. */
  timings: { readMs: number; statisticsMs: number; plotsMs: number; writeMs: number; totalMs: number };
}

/** Folder-safe, sortable stamp of a time: 2024-05-01T10-05-00-000Z. */
export function checkStamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, '-');
}

/** The window in words, for reports. */
export function describeWindow(spec: ProductionWindowSpec): string {
  const parts: string[] = [];
  if (spec.modelVersion !== undefined) parts.push(`served by model version ${spec.modelVersion}`);
  if (spec.sinceMs !== undefined) parts.push(`since ${new Date(spec.sinceMs).toISOString()}`);
  if (spec.untilMs !== undefined) parts.push(`before ${new Date(spec.untilMs).toISOString()}`);
  if (spec.lastRows !== undefined) parts.push(`the last ${spec.lastRows} rows`);
  return parts.length ? parts.join(', ') : 'the whole production log';
}

function subtitleOf(check: DriftCheck | undefined): string | undefined {
  if (!check) return undefined;
  const value = `${check.name} = ${formatDriftValue(check)}`;
  if (check.threshold === null) return value;
  const status = check.status === 'alert' ? 'ALERT' : check.status === 'ok' ? 'ok' : check.status;
  return `${value} (alert above ${check.threshold}): ${status}`;
}

/** Deletes the oldest stamped folders of `dir` beyond `keep` (never `latest`). */
function pruneCheckFolders(dir: string, keep: number): void {
  if (!existsSync(dir)) return;
  const stamped = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== LATEST_CHECK_FOLDER && /^\d{4}-\d{2}-\d{2}T/.test(e.name))
    .map((e) => e.name)
    .sort();
  for (const name of stamped.slice(0, Math.max(0, stamped.length - keep))) {
    rmSync(join(dir, name), { recursive: true, force: true });
  }
}

/**
 * Runs one drift check (see the module comment) and returns its result; the
 * same result is written to drift-check.json.
 * @throws InvalidDataError for an unreadable production log; InvalidArgumentError for bad options
 */
export async function runDriftCheck(options: DriftCheckOptions): Promise<DriftCheckResult> {
  const started = performance.now();
  const now = options.now === undefined ? new Date() : new Date(options.now);
  if (Number.isNaN(now.getTime())) throw new InvalidArgumentError(`runDriftCheck: now is not a valid time`);
  const keepChecks = options.keepChecks ?? 100;
  if (!Number.isInteger(keepChecks) || keepChecks < 1) {
    throw new InvalidArgumentError(`runDriftCheck: keepChecks must be a positive integer, got ${keepChecks}`);
  }
  const thresholds = options.thresholds ?? DEFAULT_DRIFT_THRESHOLDS;
  const spec = options.window ?? {};
  const reference = options.reference;
  const monitoringDir = join(options.dataDir, 'monitoring');
  const plotsDir = options.plotsDir ?? join(monitoringDir, 'plots');
  const reportsDir = options.reportsDir ?? join(monitoringDir, 'reports');
  const stamp = checkStamp(now);
  const checkedAt = now.toISOString();

  const production: ProductionWindowRead = await readProductionWindow({
    dbPath: options.productionLogPath ?? productionLogPath(options.dataDir),
    ...(options.productionLogUrl !== undefined ? { url: options.productionLogUrl } : {}),
    reference,
    window: spec,
    ...(options.parallel !== undefined ? { parallel: options.parallel } : {}),
  });
  const readMs = production.readMs;

  const statsStarted = performance.now();
  const evaluation = evaluateDrift(reference, production, thresholds);
  const historyPoint = driftHistoryPoint(evaluation, checkedAt);
  const statisticsMs = performance.now() - statsStarted;

  const plotsStarted = performance.now();
  const byName = new Map(evaluation.checks.map((c) => [c.name, c]));
  const plotSize = options.plotSize ?? DEFAULT_PLOT_SIZE;
  // Charts draw one after another on this thread; their PNG encodings overlap on the thread pool.
  const [district, addressCardinality, predictions, history] = await Promise.all([
    plotCategoryDistribution(reference, production, {
      column: 'district',
      size: plotSize,
      subtitle: subtitleOf(byName.get('psi.district')),
    }),
    plotAddressCardinality(reference, production.address, {
      threshold: thresholds.cardinalityRatio,
      size: plotSize,
      subtitle: subtitleOf(byName.get('cardinality.address')),
    }),
    plotPredictionDistribution(reference, production, {
      size: plotSize,
      subtitle: subtitleOf(byName.get('prediction.jsd')),
    }),
    plotDriftHistory([...(options.history ?? []), historyPoint], thresholds, {
      size: options.historyPlotSize ?? HISTORY_PLOT_SIZE,
      lastN: options.historyLength ?? 30,
    }),
  ]);
  const plotsMs = performance.now() - plotsStarted;

  const writeStarted = performance.now();
  const plotDir = join(plotsDir, stamp);
  const reportDir = join(reportsDir, stamp);
  mkdirSync(plotDir, { recursive: true });
  mkdirSync(reportDir, { recursive: true });
  const performanceSection = options.performance
    ? await checkPerformance({
        dbPath: production.dbPath,
        ...(options.productionLogUrl !== undefined ? { url: options.productionLogUrl } : {}),
        window: spec,
        profile: reference.performance,
        thresholds: options.performance.thresholds,
        history: options.performance.history ?? [],
        plotDir,
        checkedAt,
      })
    : null;
  const images: Record<DriftPlotName, Buffer> = { district, addressCardinality, predictions, history };
  const plots = {} as Record<DriftPlotName, string>;
  for (const name of Object.keys(DRIFT_PLOT_FILES) as DriftPlotName[]) {
    plots[name] = join(plotDir, DRIFT_PLOT_FILES[name]);
    writeFileSync(plots[name], images[name]);
  }
  const reports = {
    markdown: join(reportDir, DRIFT_REPORT_FILES.markdown),
    html: join(reportDir, DRIFT_REPORT_FILES.html),
    json: join(reportDir, DRIFT_REPORT_FILES.json),
  };
  const description = describeWindow(spec);
  const result: DriftCheckResult = {
    kind: DRIFT_CHECK_KIND,
    formatVersion: DRIFT_CHECK_FORMAT_VERSION,
    checkedAt,
    status: evaluation.status,
    headline: driftHeadline(evaluation),
    alertCount: evaluation.alertCount,
    retrainRecommended: evaluation.retrainRecommended,
    thresholds,
    window: {
      spec,
      description,
      rows: production.rows,
      firstTs: production.firstTs,
      lastTs: production.lastTs,
      productionLog: production.dbPath,
      logExists: production.logExists,
      idRange: production.idRange,
    },
    reference: { createdAt: reference.createdAt, rows: reference.rows },
    checks: evaluation.checks,
    alerts: evaluation.alerts.map((a) => ({ name: a.name, value: a.value!, threshold: a.threshold! })),
    metrics: driftMetrics(evaluation),
    historyPoint,
    plots,
    reports,
    performance: performanceSection,
    timings: { readMs, statisticsMs, plotsMs, writeMs: 0, totalMs: 0 },
  };
  if (performanceSection) mergePerformance(result, performanceSection);
  if (!production.logExists) result.headline += ` (no production log at ${production.dbPath} yet)`;
  // Relative links from the report folder; the latest/ copies sit at the same depth, so they resolve too.
  const relativeHref = (name: DriftPlotName) => relative(reportDir, plots[name]);
  writeFileSync(reports.markdown, renderDriftCheckReport(result, 'markdown', relativeHref));
  writeFileSync(reports.html, renderDriftCheckReport(result, 'html', relativeHref));
  result.timings.writeMs = performance.now() - writeStarted;
  result.timings.totalMs = performance.now() - started;
  writeFileSync(reports.json, `${JSON.stringify(result, null, 2)}\n`);

  // Copies of the last check under latest/, then retention.
  const performancePlots = Object.keys(performanceSection?.plots ?? {}).map(
    (name) => PERFORMANCE_PLOT_FILES[name as keyof typeof PERFORMANCE_PLOT_FILES],
  );
  for (const [dir, files] of [
    [plotDir, [...Object.values(DRIFT_PLOT_FILES), ...performancePlots]],
    [reportDir, Object.values(DRIFT_REPORT_FILES)],
  ] as const) {
    const latest = join(dir, '..', LATEST_CHECK_FOLDER);
    mkdirSync(latest, { recursive: true });
    for (const file of files) copyFileSync(join(dir, file), join(latest, file));
  }
  pruneCheckFolders(plotsDir, keepChecks);
  pruneCheckFolders(reportsDir, keepChecks);
  return result;
}

/**
 * Folds the performance section into the check's verdict. `performance.realized` is ground truth, not
 * a proxy: it recommends retraining on its own. `performance.estimated` is one alert among the drift
 * alerts (DRIFT_MIN_ALERTS still applies to their count).
 */
function mergePerformance(result: DriftCheckResult, section: PerformanceSection): void {
  for (const alert of section.alerts) {
    result.alerts.push({ name: alert.name, value: alert.value!, threshold: alert.threshold });
  }
  result.alertCount = result.alerts.length;
  const realizedAlert = section.alerts.some((a) => a.name === 'performance.realized');
  result.retrainRecommended = result.alertCount >= result.thresholds.minAlerts || realizedAlert;
  if (section.alerts.length > 0) result.status = 'drift';
  Object.assign(result.metrics, section.metrics, { alert_count: result.alertCount });
  const realized = section.checks.find((c) => c.name === 'performance.realized');
  const estimated = section.checks.find((c) => c.name === 'performance.estimated');
  const parts = [realized, estimated].flatMap((c) => (c?.note ? [`${c.name} ${c.status}: ${c.note}`] : []));
  if (parts.length > 0) result.headline += `; ${parts.join('; ')}`;
}

/**
 * The performance points of the last `limit` checks under `reportsDir`, oldest first (checks without
 * a performance section are skipped).
 */
export function readPerformanceHistory(reportsDir: string, limit = 30): PerformanceHistoryPoint[] {
  return recentCheckResults(reportsDir, limit).flatMap((result) =>
    result.performance?.historyPoint ? [result.performance.historyPoint] : [],
  );
}

/**
 * The results (drift-check.json) of the last `limit` checks written under `reportsDir`, oldest
 * first. Unreadable files are skipped: a check interrupted while writing leaves none.
 */
function recentCheckResults(reportsDir: string, limit: number): Partial<DriftCheckResult>[] {
  if (!existsSync(reportsDir)) return [];
  const stamped = readdirSync(reportsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== LATEST_CHECK_FOLDER && /^\d{4}-\d{2}-\d{2}T/.test(e.name))
    .map((e) => e.name)
    .sort()
    .slice(-limit);
  const results: Partial<DriftCheckResult>[] = [];
  for (const name of stamped) {
    try {
      const result = JSON.parse(
        readFileSync(join(reportsDir, name, DRIFT_REPORT_FILES.json), 'utf8'),
      ) as Partial<DriftCheckResult>;
      if (result.kind === DRIFT_CHECK_KIND) results.push(result);
    } catch {
      // skipped, see above
    }
  }
  return results;
}

/**
 * A check's report (Markdown or HTML) from its result, with the plots linked
 * by `plotHref`: runDriftCheck links them relative to the report folder; a
 * caller that uploads the files elsewhere (registry artifacts) renders the
 * report again with the URLs the plots have there.
 */
export function renderDriftCheckReport(
  result: DriftCheckResult,
  format: 'markdown' | 'html',
  plotHref: (name: DriftPlotName) => string,
): string {
  const input: DriftReportInput = {
    evaluation: {
      status: result.status,
      windowRows: result.window.rows,
      thresholds: result.thresholds,
      checks: result.checks,
      alerts: result.checks.filter((c) => c.status === 'alert'),
      alertCount: result.alertCount,
      retrainRecommended: result.retrainRecommended,
    },
    checkedAt: result.checkedAt,
    windowDescription: result.window.description,
    firstTs: result.window.firstTs,
    lastTs: result.window.lastTs,
    referenceCreatedAt: result.reference.createdAt,
    referenceRows: result.reference.rows,
    plots: driftPlotLinks(plotHref),
  };
  return format === 'html' ? renderDriftReportHtml(input) : renderDriftReportMarkdown(input);
}

/** The plots of a check with their report titles, given how to link each file. */
export function driftPlotLinks(href: (name: DriftPlotName) => string): { title: string; href: string }[] {
  return [
    { title: 'District distribution: reference vs production', href: href('district') },
    { title: 'Address cardinality', href: href('addressCardinality') },
    { title: 'Prediction distribution', href: href('predictions') },
    { title: 'Drift metrics over the last checks', href: href('history') },
  ];
}

/**
 * The history points of the last `limit` checks written under `reportsDir`
 * (their drift-check.json files), oldest first. Unreadable files are skipped.
 */
export function readDriftHistory(reportsDir: string, limit = 30): DriftHistoryPoint[] {
  return recentCheckResults(reportsDir, limit).flatMap((result) =>
    result.historyPoint ? [result.historyPoint] : [],
  );
}
