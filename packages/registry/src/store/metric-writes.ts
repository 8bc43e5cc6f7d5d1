/**
 * Writing metrics: each value is appended to the history (`metrics`) and may
 * replace the run's latest value for its key (`latest_metrics`): the highest
 * step wins, then the latest timestamp, then the larger value (NaN lowest), and
 * on a full tie the later write. SQLite runs two prepared statements per row;
 * PostgreSQL sends the whole batch as arrays in one statement.
 */
import type { LifecycleStage } from '@mlops/registry-client/wire';
import type { MetricInput } from './entities.js';
import type { SqlDialect } from './sql-dialect.js';
import { all, run, type SqlProgram } from './sql-program.js';

/** One metric value of one run, as stored: NaN is a NULL value with is_nan = 1. */
export interface StoredMetric {
  runId: string;
  key: string;
  value: number | null;
  isNan: 0 | 1;
  timestamp: number;
  step: number;
}

/** The stored form of a logged metric. */
export function storedMetric(runId: string, metric: MetricInput): StoredMetric {
  const isNan = Number.isNaN(metric.value) ? 1 : 0;
  return {
    runId,
    key: metric.key,
    value: isNan ? null : metric.value,
    isNan,
    timestamp: metric.timestamp,
    step: metric.step,
  };
}

const INSERT_COLUMNS = '(run_id, key, value, is_nan, timestamp, step)';

function latestUpsertTail(dialect: SqlDialect): string {
  const floor = dialect.negativeInfinity;
  return `ON CONFLICT (run_id, key) DO UPDATE SET
      value = excluded.value, is_nan = excluded.is_nan, timestamp = excluded.timestamp, step = excluded.step
    WHERE excluded.step > latest_metrics.step
       OR (excluded.step = latest_metrics.step AND excluded.timestamp > latest_metrics.timestamp)
       OR (excluded.step = latest_metrics.step AND excluded.timestamp = latest_metrics.timestamp
           AND coalesce(excluded.value, ${floor}) >= coalesce(latest_metrics.value, ${floor}))`;
}

/**
 * PostgreSQL: the whole batch in one statement, so one round trip and no BEGIN/COMMIT (a statement
 * is atomic). `input` is the batch as arrays in request order (`ord`); with `onlyActiveRuns` its rows
 * of unknown or deleted runs are left out and the statement returns the stage of every run it was
 * given. History rows go in request order (seq); the latest value per (run, key) is picked with the
 * rule above (DISTINCT ON with the later request winning a full tie) and upserted in (run, key)
 * order, a fixed lock order, so concurrent batches cannot deadlock on each other's rows.
 */
function postgresStatement(dialect: SqlDialect, onlyActiveRuns: boolean): string {
  const stages = onlyActiveRuns
    ? `stages AS (SELECT run_id, lifecycle_stage FROM runs WHERE run_id IN (${dialect.jsonTextElements})),`
    : '';
  const filter = onlyActiveRuns
    ? "WHERE u.run_id IN (SELECT run_id FROM stages WHERE lifecycle_stage = 'active')"
    : '';
  return `WITH ${stages}
    input AS (
      SELECT u.* FROM unnest(CAST(? AS text[]), CAST(? AS text[]), CAST(? AS double precision[]),
        CAST(? AS integer[]), CAST(? AS bigint[]), CAST(? AS bigint[]))
        WITH ORDINALITY AS u(run_id, key, value, is_nan, timestamp, step, ord)
      ${filter}),
    history AS (
      INSERT INTO metrics ${INSERT_COLUMNS}
      SELECT run_id, key, value, is_nan, timestamp, step FROM input ORDER BY ord),
    latest AS (
      INSERT INTO latest_metrics ${INSERT_COLUMNS}
      SELECT DISTINCT ON (run_id, key) run_id, key, value, is_nan, timestamp, step FROM input
      ORDER BY run_id, key, step DESC, timestamp DESC, coalesce(value, ${dialect.negativeInfinity}) DESC, ord DESC
      ${latestUpsertTail(dialect)})
    ${onlyActiveRuns ? 'SELECT run_id, lifecycle_stage FROM stages' : 'SELECT 1'}`;
}

interface MetricStatements {
  insert: string;
  upsert: string;
  stagesIn: string;
  write: string;
  writeActive: string;
}

const statementsByDialect = new Map<SqlDialect, MetricStatements>();

function statementsFor(dialect: SqlDialect): MetricStatements {
  let statements = statementsByDialect.get(dialect);
  if (!statements) {
    statements = {
      insert: `INSERT INTO metrics ${INSERT_COLUMNS} VALUES (?, ?, ?, ?, ?, ?)`,
      upsert: `INSERT INTO latest_metrics ${INSERT_COLUMNS} VALUES (?, ?, ?, ?, ?, ?) ${latestUpsertTail(dialect)}`,
      stagesIn: `SELECT run_id, lifecycle_stage FROM runs WHERE run_id IN (${dialect.jsonTextElements})`,
      write: postgresStatement(dialect, false),
      writeActive: postgresStatement(dialect, true),
    };
    statementsByDialect.set(dialect, statements);
  }
  return statements;
}

function columns(rows: readonly StoredMetric[]) {
  return [
    rows.map((r) => r.runId),
    rows.map((r) => r.key),
    rows.map((r) => r.value),
    rows.map((r) => r.isNan),
    rows.map((r) => r.timestamp),
    rows.map((r) => r.step),
  ];
}

function* writeRowByRow(dialect: SqlDialect, rows: readonly StoredMetric[]): SqlProgram<void> {
  const { insert, upsert } = statementsFor(dialect);
  for (const r of rows) {
    const values = [r.runId, r.key, r.value, r.isNan, r.timestamp, r.step];
    yield* run(insert, values);
    yield* run(upsert, values);
  }
}

/** Appends `rows` to the history and updates the latest values, inside the caller's transaction. */
export function* writeMetrics(dialect: SqlDialect, rows: readonly StoredMetric[]): SqlProgram<void> {
  if (rows.length === 0) return;
  if (dialect.arrayParams) yield* run(statementsFor(dialect).write, columns(rows));
  else yield* writeRowByRow(dialect, rows);
}

/**
 * Writes the rows whose run is active and returns the lifecycle stage of every run named (absent:
 * no such run), so the caller can fail the other rows alone. On PostgreSQL this is one statement,
 * atomic without a transaction; on SQLite it needs the caller's transaction.
 */
export function* writeMetricsOfActiveRuns(
  dialect: SqlDialect,
  rows: readonly StoredMetric[],
): SqlProgram<Map<string, LifecycleStage>> {
  const ids = JSON.stringify([...new Set(rows.map((r) => r.runId))]);
  const { stagesIn, writeActive } = statementsFor(dialect);
  const read = (found: { run_id: string; lifecycle_stage: LifecycleStage }[]) =>
    new Map(found.map((r) => [r.run_id, r.lifecycle_stage]));
  if (dialect.arrayParams) {
    return read(yield* all(writeActive, [ids, ...columns(rows)]));
  }
  const stages = read(yield* all(stagesIn, [ids]));
  yield* writeRowByRow(
    dialect,
    rows.filter((r) => stages.get(r.runId) === 'active'),
  );
  return stages;
}
