/**
 * Reads the performance window from the PostgreSQL production log (PRODUCTION_LOG_URL): the same
 * query as the SQLite reader (performanceWindowSql: the window's served rows LEFT JOIN feedback, in
 * the server) and the same result for the same rows.
 */
import pg from 'pg';
import { InvalidDataError, describeDatabaseError, redactUrl } from '@mlops/core';
import { FEEDBACK_TABLE, PRODUCTION_LOG_TABLE } from '@mlops/core/listing';
import {
  collectPerformanceRows,
  emptyPerformanceWindow,
  performanceWindowSql,
  type PerformanceRow,
  type PerformanceWindowRead,
} from './performance-window.js';
import type { ProductionWindowSpec } from './production-window.js';
import { checkWindowSpec } from './window-spec.js';

/**
 * The served rows of `window` in the PostgreSQL log at `url`, oldest first, with their feedback. No
 * table yet is an empty window (logExists false); no feedback table, a window without labels.
 * `dbPath` of the result is the URL with its password masked.
 * @throws InvalidDataError naming PRODUCTION_LOG_URL (password masked) when the server cannot be read
 */
export async function readPostgresPerformanceWindow(
  url: string,
  window: ProductionWindowSpec = {},
  options: { connectTimeoutMs?: number } = {},
): Promise<PerformanceWindowRead> {
  const started = performance.now();
  checkWindowSpec(window);
  const shown = redactUrl(url);
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    application_name: 'mlops-monitor performance window',
  });
  // A connection dropped mid-read surfaces as the query's rejection; this keeps it from being unhandled.
  client.on('error', () => undefined);
  try {
    await client.connect();
    const tables = await client.query<{ log: string | null; feedback: string | null; ids: boolean }>(
      `SELECT to_regclass($1)::text AS log, to_regclass($2)::text AS feedback,
              EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = 'prediction_id'
                      AND NOT attisdropped) AS ids`,
      [PRODUCTION_LOG_TABLE, FEEDBACK_TABLE],
    );
    const found = tables.rows[0]!;
    if (found.log === null) return emptyPerformanceWindow(shown, false, started);
    const params: (number | string)[] = [];
    const sql = performanceWindowSql(window, found.feedback !== null && found.ids, (value) => {
      params.push(value);
      return `$${params.length}`;
    });
    const result = await client.query<Record<string, unknown>>(sql, params);
    // BIGINT epoch milliseconds arrive as text; they fit a double exactly.
    const rows = result.rows.map(
      (row) =>
        ({
          ...row,
          ts: Number(row.ts),
          received_ts: row.received_ts === null ? null : Number(row.received_ts),
        }) as PerformanceRow,
    );
    if (window.lastRows !== undefined) rows.reverse();
    return collectPerformanceRows(rows, shown, started);
  } catch (error) {
    throw new InvalidDataError(
      `cannot read the performance window from the production log at PRODUCTION_LOG_URL=${shown}: ${describeDatabaseError(error)}`,
      { cause: error },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
