/**
 * Drift check over the PostgreSQL production log (`pnpm bench:drift-pg`): one
 * full check (read the window in SQL, every statistic, the 4 plots, the
 * reports) over 1,000,000 logged predictions in PostgreSQL
 * (PRODUCTION_LOG_URL). Target: <= 5 s (median).
 *
 * The cluster is a throw-away one with durable settings (fsync on, as in a
 * deployment). The rows are logged first, untimed, through the API's own
 * PostgreSQL store in batches: 50,000 synthetic listings (seed 2) repeated
 * with advancing timestamps, as bench/drift.bench.ts does for SQLite; then
 * VACUUM ANALYZE (what autovacuum does after a bulk load). The reference is
 * 16,000 synthetic listings (seed 1). One cold check, then `runs` more; the
 * result is their median. Baseline in the same run: the same check over the
 * same rows in the SQLite log (the default backend), so the ratio shows what
 * moving the log to a server costs the check.
 *
 * Writes bench/results/drift-postgres.json. Usage: pnpm bench:drift-pg [--runs N] [--rows N]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PRICE_CATEGORIES } from '@mlops/core';
import { DEFAULT_DRIFT_THRESHOLDS } from '@mlops/core/drift';
import type { Listing } from '@mlops/core/listing';
import { PostgresLogStore } from '../packages/api/src/production-log-postgres.js';
import { productionLogRow } from '../packages/api/src/production-log-row.js';
import { runDriftCheck, type DriftCheckResult } from '../packages/monitor/src/index.js';
import { startPostgres } from '../test/support/postgres-server.js';
import { driftBenchData, loggedRow, writeSqliteProductionLog } from './drift-production-log.js';
import { median } from './load-summary.js';
import { machineDescription } from './machine-description.js';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const RUNS = flag('runs', 5);
const ROWS = flag('rows', 1_000_000);
const TARGET_MS = 5000;
const BATCH = 10_000;

const round1 = (v: number) => Math.round(v * 10) / 10;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'drift-pg-bench-'));
  const server = await startPostgres({ durable: true });
  const loadBefore = loadavg();
  try {
    console.log('building the reference (16,000 rows, seed 1) and 50,000 production listings (seed 2)...');
    const { reference, pool } = driftBenchData();

    const url = await server.createDatabase();
    const store = await PostgresLogStore.open({ url });
    const loadStarted = performance.now();
    for (let from = 0; from < ROWS; from += BATCH) {
      const rows = [];
      const seqs = [];
      for (let i = from; i < Math.min(ROWS, from + BATCH); i++) {
        const { listing, ts } = loggedRow(pool, i);
        rows.push(
          productionLogRow({
            ts,
            predictionId: `bench-${i}`,
            modelName: 'HousingPriceClassifier',
            modelVersion: '1',
            modelAlias: 'production',
            listing: listing as unknown as Listing,
            prediction: listing.price_category,
            probabilities: Object.fromEntries(
              PRICE_CATEGORIES.map((c) => [c, c === listing.price_category ? 0.8 : 0.1]),
            ) as { low: number; medium: number; high: number },
          }),
        );
        seqs.push(i + 1);
      }
      await store.commit(rows, seqs);
    }
    await store.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('VACUUM ANALYZE predictions');
    const tableBytes = Number(
      (await client.query(`SELECT pg_total_relation_size('predictions') AS b`)).rows[0].b,
    );
    await client.end();
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    console.log(`${ROWS} rows logged into PostgreSQL in ${loadSeconds.toFixed(1)} s (untimed)`);

    const sqliteDir = join(dir, 'sqlite');
    writeSqliteProductionLog(join(sqliteDir, 'production', 'predictions.db'), pool, ROWS);

    let now = Date.UTC(2024, 5, 1);
    const check = (backend: 'postgresql' | 'sqlite'): Promise<DriftCheckResult> => {
      now += 60_000;
      return runDriftCheck({
        dataDir: backend === 'sqlite' ? sqliteDir : join(dir, 'pg'),
        ...(backend === 'postgresql' ? { productionLogUrl: url } : {}),
        reference,
        thresholds: DEFAULT_DRIFT_THRESHOLDS,
        now,
      });
    };
    const measure = async (backend: 'postgresql' | 'sqlite') => {
      const cold = await check(backend);
      const runs: DriftCheckResult[] = [];
      for (let r = 0; r < RUNS; r++) runs.push(await check(backend));
      const total = runs.map((r) => r.timings.totalMs);
      return {
        median_ms: round1(median(total)),
        min_ms: round1(Math.min(...total)),
        max_ms: round1(Math.max(...total)),
        cold_ms: round1(cold.timings.totalMs),
        read_median_ms: round1(median(runs.map((r) => r.timings.readMs))),
        rows: cold.window.rows,
        status: cold.status,
        alerts: cold.alerts.map((a) => a.name),
        metrics: cold.metrics,
      };
    };
    const postgres = await measure('postgresql');
    const sqlite = await measure('sqlite');
    // The same rows give the same statistics on both backends.
    const sameMetrics = JSON.stringify(postgres.metrics) === JSON.stringify(sqlite.metrics);
    const result = {
      benchmark:
        'drift check over the PostgreSQL production log: read window in SQL + statistics + 4 plots + reports',
      command: 'pnpm bench:drift-pg',
      date: new Date().toISOString(),
      machine: machineDescription(loadBefore, {
        postgres: 'Debian PostgreSQL 15, durable (fsync on), shared_buffers 128MB, on the same machine',
      }),
      rows: ROWS,
      table_mb: Math.round(tableBytes / 2 ** 20),
      runs: RUNS,
      target_ms: TARGET_MS,
      pass: postgres.median_ms <= TARGET_MS,
      postgresql: { ...postgres, metrics: undefined },
      sqlite_baseline: { ...sqlite, metrics: undefined },
      postgres_vs_sqlite: round1(postgres.median_ms / sqlite.median_ms),
      same_statistics_on_both: sameMetrics,
    };
    console.log(
      `${ROWS} rows: PostgreSQL median ${postgres.median_ms} ms (read ${postgres.read_median_ms}; target ${TARGET_MS}, ${result.pass ? 'pass' : 'FAIL'}), ` +
        `cold ${postgres.cold_ms} ms; SQLite median ${sqlite.median_ms} ms (read ${sqlite.read_median_ms}); same statistics: ${sameMetrics}`,
    );
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
    writeFileSync(
      new URL('./results/drift-postgres.json', import.meta.url),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    console.log('wrote bench/results/drift-postgres.json');
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
