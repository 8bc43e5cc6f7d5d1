/**
 * Reads the production window from the PostgreSQL production log (the table
 * every API replica appends to when PRODUCTION_LOG_URL is set) and summarises
 * it exactly as the SQLite reader does (production-window.ts): same window
 * semantics, same bins, same address sample, so the two give equal summaries
 * for the same rows.
 *
 * Everything is counted in the server; only counts travel:
 * - the window's id range first (MIN/MAX id under the filters; for lastRows
 *   the id N rows from the end), as the SQLite reader does;
 * - one scan with GROUPING SETS: one set per numeric column's bin, one per
 *   counted categorical column, one for the prediction, and the empty set for
 *   the row count, first and last time and non-missing addresses. Hash
 *   aggregation computes all the sets in that single pass. A numeric value's
 *   right-closed bin is `edges - width_bucket(-v, reversed negated edges)`
 *   (width_bucket's buckets are left-closed; negating flips the side), NULL
 *   for a missing value;
 * - a large window (150,000 ids or more) is split in two id ranges, each
 *   aggregated on its own connection (its own server process) at the same
 *   time, and the counts merged: PostgreSQL does not run grouping sets on its
 *   parallel workers, so this is how the read uses a second core;
 * - the address sample by id: the ids first, first + k, ... generated with
 *   generate_series and looked up by primary key, like the SQLite reader.
 */
import pg from 'pg';
import { InvalidDataError, PRICE_CATEGORIES, describeDatabaseError, redactUrl } from '@mlops/core';
import { CARDINALITY_COLUMN, frequencyOfCounts, type ReferenceSnapshot } from '@mlops/core/drift';
import {
  NUMERIC_FIELDS,
  PRODUCTION_LOG_COLUMNS,
  PRODUCTION_LOG_TABLE,
  TEXT_FIELDS,
  pgColumn,
} from '@mlops/core/listing';
import type { ProductionWindowRead, ProductionWindowSpec } from './production-window.js';
import { checkWindowSpec, emptyWindowRead } from './window-spec.js';

/** Options of readPostgresProductionWindow. */
export interface ReadPostgresWindowOptions {
  /** PRODUCTION_LOG_URL. */
  url: string;
  reference: ReferenceSnapshot;
  /** Which rows; default the whole log. */
  window?: ProductionWindowSpec;
  /** How long connecting may take, in milliseconds (default 10,000). */
  connectTimeoutMs?: number;
  /**
   * Split the window in two id ranges aggregated at once on two connections. Default: when it
   * spans at least 150,000 row ids.
   */
  parallel?: boolean;
}

/** Categorical columns counted in full (address is sampled separately). */
const COUNTED_TEXT_FIELDS = TEXT_FIELDS.filter((f) => f !== CARDINALITY_COLUMN);
/** Windows spanning at least this many row ids are aggregated on two connections at once. */
const PARALLEL_MIN_ROWS = 150_000;
/** Memory for the hash tables of the grouping sets, so none of them spills to a sort. */
const WORK_MEM = '64MB';

/** SQL filter (` AND ...`) of the window's bounds other than lastRows; pushes its values to `params`. */
function windowFilter(window: ProductionWindowSpec, params: unknown[]): string {
  const parts: string[] = [];
  if (window.sinceMs !== undefined) {
    params.push(window.sinceMs);
    parts.push(`ts >= $${params.length}`);
  }
  if (window.untilMs !== undefined) {
    params.push(window.untilMs);
    parts.push(`ts < $${params.length}`);
  }
  if (window.modelVersion !== undefined) {
    params.push(window.modelVersion);
    parts.push(`model_version = $${params.length}`);
  }
  return parts.map((p) => ` AND ${p}`).join('');
}

/** The right-closed reference bin of the column's value (0..edges.length), NULL when missing. */
function binSql(column: string, edges: readonly number[], params: unknown[]): string {
  if (edges.length === 0) return `CASE WHEN ${pgColumn(column)} IS NULL THEN NULL ELSE 0 END`;
  params.push([...edges].reverse().map((e) => -e));
  return `(${edges.length} - width_bucket(-${pgColumn(column)}, $${params.length}::float8[]))`;
}

function toNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/**
 * Summarises the production window of the PostgreSQL log at `url` against the
 * reference. A missing table is an empty window (logExists false).
 * @throws InvalidDataError naming PRODUCTION_LOG_URL (password masked) when the server cannot be
 *   reached or the table lacks columns; InvalidArgumentError for a bad window
 */
export async function readPostgresProductionWindow(
  options: ReadPostgresWindowOptions,
): Promise<ProductionWindowRead> {
  const started = performance.now();
  const { reference } = options;
  const window = options.window ?? {};
  checkWindowSpec(window);
  const shown = redactUrl(options.url);
  const newClient = (): pg.Client => {
    const client = new pg.Client({
      connectionString: options.url,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      application_name: 'mlops-monitor drift window',
    });
    // A connection dropped mid-read surfaces as the query's rejection; this keeps it from being unhandled.
    client.on('error', () => undefined);
    return client;
  };
  const connectSecond = async (): Promise<pg.Client> => {
    const second = newClient();
    try {
      await second.connect();
      return second;
    } catch (error) {
      await second.end().catch(() => undefined);
      throw error;
    }
  };
  const client = newClient();
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new InvalidDataError(
      `cannot read the production log at PRODUCTION_LOG_URL=${shown}: ${describeDatabaseError(error)}`,
      { cause: error },
    );
  }
  try {
    return await summarise(client, connectSecond, options.parallel, shown, reference, window, started);
  } catch (error) {
    if (error instanceof InvalidDataError) throw error;
    throw new InvalidDataError(
      `cannot read the production log at PRODUCTION_LOG_URL=${shown}: ${describeDatabaseError(error)}`,
      { cause: error },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function summarise(
  client: pg.Client,
  connectSecond: () => Promise<pg.Client>,
  parallel: boolean | undefined,
  shown: string,
  reference: ReferenceSnapshot,
  window: ProductionWindowSpec,
  started: number,
): Promise<ProductionWindowRead> {
  const columns = await client.query<{ attname: string }>(
    `SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped`,
    [PRODUCTION_LOG_TABLE],
  );
  if (columns.rows.length === 0) return emptyWindowRead(shown, false, window, reference, started);
  const have = new Set(columns.rows.map((r) => r.attname));
  const missing = ['id', ...PRODUCTION_LOG_COLUMNS].filter((c) => !have.has(c));
  if (missing.length > 0) {
    throw new InvalidDataError(
      `production log at PRODUCTION_LOG_URL=${shown}: table ${PRODUCTION_LOG_TABLE} lacks column(s) ${missing.join(', ')}; it was not written by this version of the API`,
    );
  }

  const boundParams: unknown[] = [];
  const boundFilter = windowFilter(window, boundParams);
  const bounds = await client.query<{ first: string | null; last: string | null }>(
    `SELECT MIN(id) AS first, MAX(id) AS last FROM ${PRODUCTION_LOG_TABLE} WHERE TRUE${boundFilter}`,
    boundParams,
  );
  let first = toNumber(bounds.rows[0]?.first);
  const last = toNumber(bounds.rows[0]?.last);
  if (first === null || last === null) return emptyWindowRead(shown, true, window, reference, started);
  if (window.lastRows !== undefined) {
    const cut = await client.query<{ id: string }>(
      `SELECT id FROM ${PRODUCTION_LOG_TABLE} WHERE TRUE${boundFilter} ORDER BY id DESC OFFSET $${boundParams.length + 1} LIMIT 1`,
      [...boundParams, window.lastRows - 1],
    );
    if (cut.rows[0] !== undefined) first = Number(cut.rows[0].id);
  }

  // One scan, every count: key i of the grouping sets is a numeric bin, a categorical column or the prediction.
  const params: unknown[] = [first, last];
  const filter = windowFilter(window, params);
  const keys = [
    ...NUMERIC_FIELDS.map((f) => binSql(f, reference.columns[f].edges, params)),
    ...COUNTED_TEXT_FIELDS.map((f) => pgColumn(f)),
    'prediction',
  ];
  const keyNames = keys.map((_, i) => `k${i}`);
  const inner =
    `SELECT ${keys.map((k, i) => `${k} AS k${i}`).join(', ')}, ts, NULLIF(${pgColumn(CARDINALITY_COLUMN)}, '') AS addr` +
    ` FROM ${PRODUCTION_LOG_TABLE} WHERE id BETWEEN $1 AND $2${filter}`;
  const aggregateSql =
    `SELECT GROUPING(${keyNames.join(', ')}) AS g, ${keyNames.join(', ')}, COUNT(*) AS n,` +
    ` MIN(ts) AS first_ts, MAX(ts) AS last_ts, COUNT(addr) AS addresses` +
    ` FROM (${inner}) AS w GROUP BY GROUPING SETS (${keyNames.map((k) => `(${k})`).join(', ')}, ())`;
  // A large window is split in two id ranges aggregated at once on two connections: grouping sets
  // do not use PostgreSQL's parallel workers, so this is how the read gets a second core.
  const split = (parallel ?? last - first + 1 >= PARALLEL_MIN_ROWS) && first < last;
  const mid = first + Math.floor((last - first) / 2);
  const ranges: [number, number][] = split
    ? [
        [first, mid],
        [mid + 1, last],
      ]
    : [[first, last]];
  const second = split ? await connectSecond().catch(() => null) : null;
  let grouped: Record<string, unknown>[];
  try {
    const aggregate = async (on: pg.Client, [lo, hi]: [number, number]) => {
      await on.query(`SET work_mem = '${WORK_MEM}'`);
      return (await on.query<Record<string, unknown>>(aggregateSql, [lo, hi, ...params.slice(2)])).rows;
    };
    // Without a second connection the halves run one after the other: slower, same counts.
    const parts = second
      ? await Promise.all([aggregate(client, ranges[0]!), aggregate(second, ranges[1]!)])
      : await ranges.reduce<Promise<Record<string, unknown>[][]>>(
          async (done, range) => [...(await done), await aggregate(client, range)],
          Promise.resolve([]),
        );
    grouped = parts.flat();
  } finally {
    await second?.end().catch(() => undefined);
  }

  const numeric: Record<string, { counts: number[]; missing: number }> = {};
  for (const f of NUMERIC_FIELDS) {
    numeric[f] = { counts: new Array<number>(reference.columns[f].edges.length + 1).fill(0), missing: 0 };
  }
  const categorical: Record<string, { counts: Map<string, number>; missing: number }> = {};
  for (const f of COUNTED_TEXT_FIELDS) categorical[f] = { counts: new Map(), missing: 0 };
  const predictions = PRICE_CATEGORIES.map(() => 0);
  const allBits = 2 ** keys.length - 1;
  let rows = 0;
  let addressNonMissing = 0;
  let firstTs: number | null = null;
  let lastTs: number | null = null;
  for (const row of grouped) {
    const g = Number(row.g);
    if (g === allBits) {
      rows += Number(row.n);
      addressNonMissing += Number(row.addresses);
      const lo = toNumber(row.first_ts);
      const hi = toNumber(row.last_ts);
      if (lo !== null) firstTs = firstTs === null ? lo : Math.min(firstTs, lo);
      if (hi !== null) lastTs = lastTs === null ? hi : Math.max(lastTs, hi);
      continue;
    }
    // GROUPING's first argument is the highest bit; the set of key i has only bit (n - 1 - i) clear.
    const i = keys.length - 1 - Math.log2(allBits ^ g);
    const value = row[`k${i}`];
    const n = Number(row.n);
    if (i < NUMERIC_FIELDS.length) {
      const target = numeric[NUMERIC_FIELDS[i]!]!;
      if (value === null) target.missing += n;
      else target.counts[Number(value)]! += n;
    } else if (i < NUMERIC_FIELDS.length + COUNTED_TEXT_FIELDS.length) {
      const target = categorical[COUNTED_TEXT_FIELDS[i - NUMERIC_FIELDS.length]!]!;
      if (value === null || value === '') target.missing += n;
      else target.counts.set(String(value), (target.counts.get(String(value)) ?? 0) + n);
    } else {
      const c = PRICE_CATEGORIES.indexOf(value as (typeof PRICE_CATEGORIES)[number]);
      if (c >= 0) predictions[c]! += n;
    }
  }

  // Addresses: the whole window, or every k-th id so about as many as the reference holds are read
  // (the same ids as the SQLite reader: first, first + k, ...).
  const target = reference.cardinality.address.nonMissing;
  const sampleEvery = target > 0 ? Math.max(1, Math.ceil((last - first + 1) / target)) : 1;
  const addresses = new Map<string, number>();
  if (target > 0) {
    const sampleParams: unknown[] = [first, last, sampleEvery];
    const sampleFilter = windowFilter(window, sampleParams);
    const sampled = await client.query<{ address: string }>(
      `SELECT p.${pgColumn(CARDINALITY_COLUMN)} AS address` +
        ` FROM generate_series($1::bigint, $2::bigint, $3::bigint) AS s(sid)` +
        ` JOIN ${PRODUCTION_LOG_TABLE} AS p ON p.id = s.sid` +
        ` WHERE NULLIF(p.${pgColumn(CARDINALITY_COLUMN)}, '') IS NOT NULL${sampleFilter}`,
      sampleParams,
    );
    for (const { address } of sampled.rows) addresses.set(address, (addresses.get(address) ?? 0) + 1);
  }
  categorical[CARDINALITY_COLUMN] = { counts: addresses, missing: rows - addressNonMissing };

  return {
    rows,
    firstTs,
    lastTs,
    categorical,
    numeric,
    address: {
      windowNonMissing: addressNonMissing,
      sampleEvery,
      frequencyOfCounts: frequencyOfCounts(addresses.values()),
    },
    predictions,
    dbPath: shown,
    logExists: true,
    window,
    idRange: { first, last },
    threads: second ? 2 : 1,
    readMs: performance.now() - started,
  };
}
