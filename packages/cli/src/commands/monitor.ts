/**
 * `mlops monitor --once [--json] [--reference FILE] [--data-dir DIR]`: one
 * drift check on this machine, without Temporal or the registry. Reads the
 * reference snapshot (default <DATA_DIR>/reference/reference.json) and the
 * production log (<DATA_DIR>/production/predictions.db), writes plots and
 * reports under <DATA_DIR>/monitoring/, and prints the summary table, or with
 * --json exactly one JSON object on stdout. Exit code 0 whatever the drift;
 * a check that cannot run (no reference, unreadable log) throws, and main
 * reports it in one line with exit code 1; a call without --once is a usage
 * error (exit code 2).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError as CommanderArgumentError } from 'commander';
import { InvalidDataError, REFERENCE_SNAPSHOT_FILE, loadConfig } from '@mlops/core';
import {
  driftThresholdsFromConfig,
  formatDriftValue,
  readReferenceSnapshot,
  type DriftCheck,
} from '@mlops/core/drift';
import { MONITORING_SCHEDULE_ID } from '@mlops/temporal';
import { processIo, writeJson, type CommandIo } from '../command-io.js';
import { triggerMonitoringCheck } from '../remote-monitoring.js';

/** Flags of `mlops monitor`. */
export interface MonitorOnceOptions {
  once?: boolean;
  /** Trigger the scheduled workflow instead of checking here. */
  now?: boolean;
  json?: boolean;
  /** Reference snapshot file; default <dataDir>/reference/reference.json. */
  reference?: string;
  /** Default DATA_DIR. */
  dataDir?: string;
  /** Only rows served at or after this time (ISO time or epoch ms). */
  since?: number;
  /** Only rows served by this model version. */
  modelVersion?: string;
  /** Row count or duration, like DRIFT_WINDOW (which it overrides). */
  window?: string;
}

function parseTime(text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms))
    throw new CommanderArgumentError(`expected an ISO time or epoch milliseconds, got "${text}"`);
  return ms;
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

/** The summary table as aligned plain text. */
export function formatCheckTable(checks: readonly DriftCheck[]): string {
  const header = ['metric', 'value', 'threshold', 'status', 'note'];
  const rows = checks.map((c) => [
    c.name,
    formatDriftValue(c),
    c.threshold === null ? '-' : `> ${c.threshold}`,
    c.status === 'alert' ? 'ALERT' : c.status === 'insufficient-data' ? 'insufficient data' : c.status,
    c.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : pad(cell, widths[i]!, i === 1 || i === 2)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/**
 * Runs one local drift check with the flags and prints it (table, or one JSON
 * object with --json).
 * @throws MlopsError when the check cannot run (missing reference, unreadable production log)
 */
export async function runMonitorOnce(options: MonitorOnceOptions, io: CommandIo): Promise<void> {
  const config = loadConfig();
  const dataDir = options.dataDir ?? config.DATA_DIR;
  const referencePath = options.reference ?? join(dataDir, 'reference', REFERENCE_SNAPSHOT_FILE);
  if (!existsSync(referencePath)) {
    throw new InvalidDataError(
      `reference snapshot ${referencePath} does not exist; \`mlops train --data CSV\` writes it to ` +
        `<DATA_DIR>/reference/${REFERENCE_SNAPSHOT_FILE} (so does the training workflow, \`mlops train --remote\`), ` +
        'or pass --reference FILE',
    );
  }
  const reference = readReferenceSnapshot(referencePath);
  // The check (and with it chart.js and canvas) loads only when this command runs.
  const { productionWindowFromSetting, readDriftHistory, runDriftCheck } = await import('@mlops/monitor');
  const now = Date.now();
  const window = {
    ...productionWindowFromSetting(options.window ?? config.DRIFT_WINDOW, now),
    ...(options.since !== undefined ? { sinceMs: options.since } : {}),
    ...(options.modelVersion !== undefined ? { modelVersion: options.modelVersion } : {}),
  };
  const reportsDir = join(dataDir, 'monitoring', 'reports');
  const result = await runDriftCheck({
    dataDir,
    productionLogUrl: config.PRODUCTION_LOG_URL,
    reference,
    window,
    thresholds: driftThresholdsFromConfig(config),
    history: readDriftHistory(reportsDir),
    now,
  });
  if (options.json) {
    writeJson(io, {
      status: result.status,
      headline: result.headline,
      checkedAt: result.checkedAt,
      alertCount: result.alertCount,
      retrainRecommended: result.retrainRecommended,
      window: result.window,
      reference: { path: referencePath, ...result.reference },
      thresholds: result.thresholds,
      metrics: result.metrics,
      alerts: result.alerts,
      checks: result.checks,
      plots: result.plots,
      reports: result.reports,
      timings: result.timings,
    });
    return;
  }
  io.stdout.write(
    [
      `Drift check ${result.checkedAt}: ${result.headline}`,
      `window: ${result.window.description} (${result.window.rows} rows) from ${result.window.productionLog}`,
      `reference: ${referencePath} (${result.reference.rows} training rows)`,
      '',
      formatCheckTable(result.checks),
      '',
      'plots:',
      ...Object.values(result.plots).map((p) => `  ${p}`),
      'reports:',
      ...Object.values(result.reports).map((p) => `  ${p}`),
      '',
    ].join('\n'),
  );
}

/** The `monitor` command; `mlops monitor --once` runs runMonitorOnce. */
export function monitorCommand(io: CommandIo = processIo): Command {
  const command = new Command('monitor')
    .description('drift monitoring: --once runs one check here (no Temporal, no registry)')
    .option('--once', 'run one drift check locally and print the summary table')
    .option('--now', 'trigger the scheduled monitoring workflow now (on the running stack)')
    .option('--json', 'print one JSON object (metrics, alerts, plot and report paths) instead of the table')
    .option('--reference <file>', 'reference snapshot (default: <DATA_DIR>/reference/reference.json)')
    .option('--data-dir <dir>', 'data folder (default: DATA_DIR)')
    .option('--since <time>', 'only rows served at or after this time (ISO or epoch ms)', parseTime)
    .option('--model-version <version>', 'only rows served by this model version')
    .option('--window <rows-or-duration>', 'last N rows (5000) or a duration (24h); overrides DRIFT_WINDOW');
  return command.action(async (options: MonitorOnceOptions) => {
    if (options.now) {
      const config = loadConfig();
      await triggerMonitoringCheck(config);
      io.stdout.write(
        `triggered ${MONITORING_SCHEDULE_ID} on ${config.TEMPORAL_ADDRESS}: see the monitor worker's log or the Temporal UI\n`,
      );
      return;
    }
    if (!options.once) {
      command.error('error: say --once to run one drift check here, or --now to trigger the scheduled one', {
        exitCode: 2,
      });
    }
    await runMonitorOnce(options, io);
  });
}
