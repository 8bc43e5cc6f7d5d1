/**
 * Drift check benchmark (`pnpm bench:drift`): one full check (read the
 * production window, every statistic, the 4 plots, the reports) over a
 * production log of 10,000 and of 1,000,000 logged predictions.
 * Targets: <= 200 ms at 10,000 rows, <= 2 s at 1,000,000.
 *
 * The logs are built first, untimed: 50,000 synthetic listings (seed 2),
 * repeated with advancing timestamps, inserted in one transaction into a
 * temporary folder. The reference is 16,000 synthetic listings (seed 1), about
 * the size of the real training split. Each size is checked once cold (first
 * check of the process: fonts, chart.js, JIT), then `runs` more times; the
 * result is the median of those. Baseline in the same run: the plain way to
 * aggregate the same window (one GROUP BY per categorical column, every
 * numeric and address value fetched into JavaScript), so the ratio shows
 * what the single-scan reader buys.
 *
 * Writes bench/results/drift.json. Usage: pnpm bench:drift [--runs N] [--baseline-runs N]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DRIFT_THRESHOLDS, evaluateDrift } from '@mlops/core/drift';
import { readDriftHistory, runDriftCheck, type DriftCheckResult } from '../packages/monitor/src/index.js';
import { summarizeProductionLogPlainly } from '../packages/monitor/test/production-log-fixture.js';
import { driftBenchData, writeSqliteProductionLog } from './drift-production-log.js';
import { median } from './load-summary.js';
import { machineDescription } from './machine-description.js';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const RUNS = flag('runs', 7);
const BASELINE_RUNS = flag('baseline-runs', 3);
const SIZES = [
  { rows: 10_000, targetMs: 200 },
  { rows: 1_000_000, targetMs: 2000 },
];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'drift-bench-'));
  const loadBefore = loadavg();
  try {
    console.log(
      'building the reference (16,000 synthetic rows, seed 1) and 50,000 production listings (seed 2)...',
    );
    const { reference, pool } = driftBenchData();
    const results = [];
    for (const { rows, targetMs } of SIZES) {
      const dataDir = join(dir, `rows-${rows}`);
      const buildStarted = performance.now();
      writeSqliteProductionLog(join(dataDir, 'production', 'predictions.db'), pool, rows);
      console.log(
        `${rows} rows logged in ${((performance.now() - buildStarted) / 1000).toFixed(1)} s (untimed)`,
      );

      let now = Date.UTC(2024, 5, 1);
      const check = async (): Promise<DriftCheckResult> => {
        now += 60_000;
        return runDriftCheck({
          dataDir,
          reference,
          thresholds: DEFAULT_DRIFT_THRESHOLDS,
          history: readDriftHistory(join(dataDir, 'monitoring', 'reports')),
          now,
        });
      };
      const cold = await check();
      const runs: DriftCheckResult[] = [];
      // CPU time of the whole process (worker thread and encoding threads included): on a machine shared
      // with other jobs the wall time stretches, the CPU time much less.
      const cpuMs: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const before = process.cpuUsage();
        runs.push(await check());
        const used = process.cpuUsage(before);
        cpuMs.push((used.user + used.system) / 1000);
      }
      const total = runs.map((r) => r.timings.totalMs);
      const phase = (key: keyof DriftCheckResult['timings']) => median(runs.map((r) => r.timings[key]));

      const baseline: number[] = [];
      for (let r = 0; r < BASELINE_RUNS; r++) {
        const t0 = performance.now();
        evaluateDrift(
          reference,
          summarizeProductionLogPlainly(join(dataDir, 'production', 'predictions.db'), reference),
        );
        baseline.push(performance.now() - t0);
      }
      const readMedian = phase('readMs');
      const entry = {
        rows,
        target_ms: targetMs,
        median_ms: Math.round(median(total) * 10) / 10,
        min_ms: Math.round(Math.min(...total) * 10) / 10,
        max_ms: Math.round(Math.max(...total) * 10) / 10,
        cold_ms: Math.round(cold.timings.totalMs * 10) / 10,
        cpu_median_ms: Math.round(median(cpuMs) * 10) / 10,
        pass: median(total) <= targetMs,
        runs: RUNS,
        phases_median_ms: {
          read: Math.round(readMedian * 10) / 10,
          statistics: Math.round(phase('statisticsMs') * 10) / 10,
          plots: Math.round(phase('plotsMs') * 10) / 10,
          write: Math.round(phase('writeMs') * 10) / 10,
        },
        baseline_read_and_statistics_median_ms: Math.round(median(baseline) * 10) / 10,
        baseline_runs: BASELINE_RUNS,
        read_speedup_vs_baseline: Math.round((median(baseline) / readMedian) * 10) / 10,
        status: cold.status,
        alerts: cold.alerts.map((a) => a.name),
      };
      results.push(entry);
      console.log(
        `${rows} rows: median ${entry.median_ms} ms (target ${targetMs}, ${entry.pass ? 'pass' : 'FAIL'}), ` +
          `cold ${entry.cold_ms} ms, CPU ${entry.cpu_median_ms} ms; read ${entry.phases_median_ms.read}, statistics ${entry.phases_median_ms.statistics}, ` +
          `plots ${entry.phases_median_ms.plots}, write ${entry.phases_median_ms.write}; ` +
          `baseline read+statistics ${entry.baseline_read_and_statistics_median_ms} ms (${entry.read_speedup_vs_baseline}x)`,
      );
    }
    const output = {
      benchmark: 'drift check: read window + all statistics + 4 plots + reports',
      command: 'pnpm bench:drift',
      date: new Date().toISOString(),
      machine: machineDescription(loadBefore),
      reference_rows: reference.rows,
      results,
    };
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
    writeFileSync(new URL('./results/drift.json', import.meta.url), `${JSON.stringify(output, null, 2)}\n`);
    console.log('wrote bench/results/drift.json');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
