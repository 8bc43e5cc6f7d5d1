import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  MONITORING_EXPERIMENT,
  PRODUCTION_ALIAS,
  REFERENCE_SNAPSHOT_FILE,
  type Config,
  type Logger,
} from '@mlops/core';
import {
  driftThresholdsFromConfig,
  parseReferenceSnapshot,
  readReferenceSnapshot,
  type ReferenceSnapshot,
} from '@mlops/core/drift';
import { type RegistryClient } from '@mlops/registry-client';
import { type DriftCheckSummary, type MonitoringInput } from '@mlops/temporal';
import { performanceThresholdsFromConfig } from '@mlops/core/performance';
import {
  DRIFT_PLOT_FILES,
  DRIFT_REPORT_FILES,
  readDriftHistory,
  readPerformanceHistory,
  renderDriftCheckReport,
  runDriftCheck,
  type DriftCheckResult,
  type DriftPlotName,
} from './check.js';
import { productionWindowFromSetting } from './production-window.js';

/** The monitoring workflow's activities; createActivities() builds the real ones. */
export interface MonitoringActivities {
  /** Runs one drift check over the production window and records it as a run of the `monitoring` experiment. */
  checkDrift(input: MonitoringInput): Promise<DriftCheckSummary>;
  /** Tags the monitoring run with what the check led to (training started, already running, not needed). */
  recordOutcome(runId: string, outcome: { training: string; trainingWorkflowId?: string }): Promise<void>;
}

export interface MonitoringDependencies {
  config: Config;
  registry: RegistryClient;
  logger: Logger;
}

/**
 * The reference snapshot of a model version: the `reference.json` artifact of
 * the run that trained it, cached under <DATA_DIR>/reference/ by version.
 */
async function referenceOf(
  deps: MonitoringDependencies,
  version: string,
  runId: string,
): Promise<ReferenceSnapshot> {
  const dir = join(deps.config.DATA_DIR, 'reference');
  const cached = join(dir, `${deps.config.MODEL_NAME}-v${version}.json`);
  if (existsSync(cached)) return readReferenceSnapshot(cached);
  const bytes = await deps.registry.downloadArtifact(runId, REFERENCE_SNAPSHOT_FILE);
  const snapshot = parseReferenceSnapshot(
    bytes.toString('utf8'),
    `reference of ${deps.config.MODEL_NAME} v${version}`,
  );
  mkdirSync(dir, { recursive: true });
  writeFileSync(cached, bytes);
  return snapshot;
}

/** Logs one check as a run of the `monitoring` experiment: metrics, tags, plots and reports. */
async function recordCheck(
  deps: MonitoringDependencies,
  result: DriftCheckResult,
  version: string,
): Promise<string> {
  const { registry } = deps;
  const experiment = await registry.getOrCreateExperiment(MONITORING_EXPERIMENT);
  const run = await registry.createRun({
    experimentId: experiment.experimentId,
    runName: `drift-check-${result.checkedAt}`,
    tags: {
      'drift.status': result.status,
      'drift.headline': result.headline,
      'drift.alert_count': String(result.alertCount),
      'drift.alerts': JSON.stringify(result.alerts),
      'drift.window': result.window.description,
      ...performanceTags(result),
      model_name: deps.config.MODEL_NAME,
      model_version: version,
    },
  });
  const runId = run.info.runId;
  await registry.logParams(runId, {
    model_version: version,
    window: result.window.description,
    window_rows: result.window.rows,
    psi_threshold: result.thresholds.psi,
    cardinality_threshold: result.thresholds.cardinalityRatio,
    prediction_threshold: result.thresholds.predictionJsd,
    min_samples: result.thresholds.minSamples,
    min_alerts: result.thresholds.minAlerts,
  });
  await registry.logMetrics(runId, result.metrics);
  const plots = [...Object.values(result.plots), ...Object.values(result.performance?.plots ?? {})];
  for (const path of plots) await registry.uploadArtifact(runId, `plots/${basename(path)}`, { file: path });
  // The reports link their plots by the artifacts' server path, so they render inside the registry UI
  // (whatever host name the browser uses) and when downloaded from it.
  const plotsPath = new URL(registry.artifactUrl(run.info.artifactUri, 'plots')).pathname;
  const href = (name: DriftPlotName) => `${plotsPath}/${DRIFT_PLOT_FILES[name]}`;
  await registry.uploadArtifact(runId, DRIFT_REPORT_FILES.html, renderDriftCheckReport(result, 'html', href));
  await registry.uploadArtifact(
    runId,
    DRIFT_REPORT_FILES.markdown,
    renderDriftCheckReport(result, 'markdown', href),
  );
  await registry.uploadArtifact(runId, DRIFT_REPORT_FILES.json, { file: result.reports.json });
  await registry.endRun(runId, 'FINISHED');
  return runId;
}

/** Tags of the performance section: each check's status and note, label coverage. */
function performanceTags(result: DriftCheckResult): Record<string, string> {
  const section = result.performance;
  if (!section) return {};
  const tags: Record<string, string> = {
    'performance.status': section.status,
    'performance.labelled': `${section.labelled} of ${section.rows} rows`,
  };
  for (const check of section.checks)
    tags[check.name] = `${check.status}${check.note ? `: ${check.note}` : ''}`;
  return tags;
}

/** The real monitoring activities: thin calls into the drift check and the registry client. */
export function createActivities(deps: MonitoringDependencies): MonitoringActivities {
  const { config, registry, logger } = deps;
  return {
    async checkDrift() {
      const production = await registry.getModelVersionByAlias(config.MODEL_NAME, PRODUCTION_ALIAS);
      if (!production || !production.runId) {
        logger.info('drift check skipped: no production model yet');
        return {
          runId: null,
          windowSize: 0,
          status: 'no-model',
          alerts: [],
          metrics: {},
          modelVersion: null,
        };
      }
      const reference = await referenceOf(deps, production.version, production.runId);
      const now = Date.now();
      // The window: what the current production version served (so, since it went live), optionally
      // narrowed by DRIFT_WINDOW to the last N rows or the last period.
      const window = {
        modelVersion: production.version,
        ...productionWindowFromSetting(config.DRIFT_WINDOW, now),
      };
      const reportsDir = join(config.DATA_DIR, 'monitoring', 'reports');
      const result = await runDriftCheck({
        dataDir: config.DATA_DIR,
        productionLogUrl: config.PRODUCTION_LOG_URL,
        reference,
        window,
        thresholds: driftThresholdsFromConfig(config),
        history: readDriftHistory(reportsDir),
        performance: {
          thresholds: performanceThresholdsFromConfig(config),
          history: readPerformanceHistory(reportsDir),
        },
        now,
        reportsDir,
      });
      const runId = await recordCheck(deps, result, production.version);
      logger.info(
        { status: result.status, alerts: result.alertCount, runId, rows: result.window.rows },
        result.headline,
      );
      return {
        runId,
        windowSize: result.window.rows,
        status: result.status,
        alerts: result.alerts,
        metrics: result.metrics,
        modelVersion: production.version,
      };
    },

    async recordOutcome(runId, outcome) {
      const tags: Record<string, string> = { 'retraining.outcome': outcome.training };
      if (outcome.trainingWorkflowId) tags['retraining.workflow_id'] = outcome.trainingWorkflowId;
      await registry.setTags(runId, tags);
    },
  };
}
