/**
 * Writing metrics: each value is appended to the history (`metrics`) and may
 * replace the run's latest value for its key (`latest_metrics`): the highest
 * step wins, then the latest timestamp, then the larger value (NaN lowest), and
 * on a full tie the later write. SQLite runs one prepared statement per row;
 * PostgreSQL sends the whole batch as arrays in two statements.
 */
import type { MetricInput } from './entities.js';
import type { SqlDialect } from './sql-dialect.js';
import { run, type SqlProgram } from './sql-program.js';

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

/** True when `next` replaces `current` as the latest value (the rule of the upsert below). */
function supersedes(next: StoredMetric, current: StoredMetric): boolean {
  if (next.step !== current.step) return next.step > current.step;
  if (next.timestamp !== current.timestamp) return next.timestamp > current.timestamp;
  return (next.value ?? Number.NEGATIVE_INFINITY) >= (current.value ?? Number.NEGATIVE_INFINITY);
}

/**
 * The latest value per (run, key) within a batch, ordered by run and key. PostgreSQL cannot
 * upsert one row twice in a statement, and a fixed lock order keeps concurrent batches from
 * deadlocking on each other's rows.
 */
export function latestPerKey(rows: readonly StoredMetric[]): StoredMetric[] {
  const latest = new Map<string, StoredMetric>();
  for (const row of rows) {
    const id = `${row.runId}\u0000${row.key}`;
    const current = latest.get(id);
    if (!current || supersedes(row, current)) latest.set(id, row);
  }
  return [...latest.values()].sort((a, b) =>
    a.runId === b.runId ? (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) : a.runId < b.runId ? -1 : 1,
  );
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

const statementsByDialect = new Map<SqlDialect, { insert: string; upsert: string }>();

function statementsFor(dialect: SqlDialect): { insert: string; upsert: string } {
  let statements = statementsByDialect.get(dialect);
  if (!statements) {
    const source = dialect.arrayParams
      ? `SELECT * FROM unnest(CAST(? AS text[]), CAST(? AS text[]), CAST(? AS double precision[]),
           CAST(? AS integer[]), CAST(? AS bigint[]), CAST(? AS bigint[]))`
      : 'VALUES (?, ?, ?, ?, ?, ?)';
    statements = {
      insert: `INSERT INTO metrics ${INSERT_COLUMNS} ${source}`,
      upsert: `INSERT INTO latest_metrics ${INSERT_COLUMNS} ${source} ${latestUpsertTail(dialect)}`,
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

/** Appends `rows` to the history and updates the latest values, inside the caller's transaction. */
export function* writeMetrics(dialect: SqlDialect, rows: readonly StoredMetric[]): SqlProgram<void> {
  if (rows.length === 0) return;
  const { insert, upsert } = statementsFor(dialect);
  if (dialect.arrayParams) {
    yield* run(insert, columns(rows));
    yield* run(upsert, columns(latestPerKey(rows)));
    return;
  }
  for (const r of rows) {
    const values = [r.runId, r.key, r.value, r.isNan, r.timestamp, r.step];
    yield* run(insert, values);
    yield* run(upsert, values);
  }
}
