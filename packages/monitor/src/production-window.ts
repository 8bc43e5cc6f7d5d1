/**
 * Reads the production window from the production log (the SQLite file the API
 * appends to) and summarises it in the reference snapshot's terms: category
 * counts, counts per reference decile bin, missing counts, served predictions
 * per class, and a sample of addresses for the cardinality ratio.
 *
 * Speed: a check over a million logged predictions must take well under two
 * seconds, and SQLite's GROUP BY sorts (about 1 s per column per million rows
 * here), so the aggregation avoids it:
 * - each numeric column is binned in SQL by a binary-search CASE over the
 *   reference's edges that yields one character per row; group_concat joins
 *   them into one string and JavaScript counts character codes;
 * - each categorical column comes back as one json_group_array, parsed once
 *   and counted in a Map (short repeated strings, cheap to hash);
 * - predictions are three SUM(prediction = ...) columns;
 * - all of it in a single scan per chunk of row ids (chunks bound the size of
 *   the strings), over a rowid range found first from the window's filters;
 * - addresses, long and nearly unique, are read only for the rows the
 *   cardinality ratio needs: the whole window when it is no larger than the
 *   reference column, else every k-th row id so about as many rows as the
 *   reference are read (a systematic sample of the time-ordered log);
 * - a large window is split in two id ranges, one aggregated on this thread
 *   and one on a worker thread (window-worker.mjs), and the counts merged.
 * Connections are read-only and memory-map the file.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { InvalidArgumentError, InvalidDataError, PRICE_CATEGORIES, parseDurationMs } from '@mlops/core';
import {
  CARDINALITY_COLUMN,
  frequencyOfCounts,
  type ProductionWindowSummary,
  type ReferenceSnapshot,
} from '@mlops/core/drift';
import {
  NUMERIC_FIELDS,
  PRODUCTION_LOG_COLUMNS,
  PRODUCTION_LOG_FILE,
  PRODUCTION_LOG_TABLE,
  TEXT_FIELDS,
  type NumericField,
} from '@mlops/core/listing';
import {
  BIN_CHAR_BASE,
  aggregateIdRange,
  mergeWindowPartials,
  type AggregatePlan,
  type WindowPartial,
} from './window-aggregate.mjs';
import { readPostgresProductionWindow } from './production-window-postgres.js';
import { checkWindowSpec, emptyWindowRead } from './window-spec.js';

/**
 * Which logged rows form the production window. Every given bound applies
 * (they combine with AND); none = the whole log.
 */
export interface ProductionWindowSpec {
  /** Rows served at or after this time, epoch ms (e.g. when the production model went live). */
  sinceMs?: number;
  /** Rows served before this time, epoch ms. */
  untilMs?: number;
  /** Rows served by this model version. */
  modelVersion?: string;
  /** Only the most recent N rows that pass the other bounds. */
  lastRows?: number;
}

/** A production window summary plus where and how it was read. */
export interface ProductionWindowRead extends ProductionWindowSummary {
  /** The production log file read, or the PostgreSQL URL (password masked). */
  dbPath: string;
  /** False when the file or its table does not exist yet (no traffic logged): an empty window. */
  logExists: boolean;
  window: ProductionWindowSpec;
  /** Row id range scanned; null for an empty window. */
  idRange: { first: number; last: number } | null;
  /** Threads that aggregated the window (2 for large windows on a multi-core machine). */
  threads: number;
  /** Wall time of the read, milliseconds. */
  readMs: number;
}

/** Options of readProductionWindow. */
export interface ReadProductionWindowOptions {
  /** The production log file, usually productionLogPath(DATA_DIR); unused when `url` is set. */
  dbPath: string;
  /**
   * PRODUCTION_LOG_URL: read the window from that PostgreSQL database's table instead of the file
   * (see production-window-postgres.ts); the summary is the same for the same rows.
   */
  url?: string;
  /** The reference whose bins and vocabularies the summary uses. */
  reference: ReferenceSnapshot;
  /** Which rows; default the whole log. */
  window?: ProductionWindowSpec;
  /** Row ids aggregated per query; bounds memory. Default 262,144. */
  chunkRows?: number;
  /**
   * Split the window between this thread and a worker thread. Default: when
   * it spans at least 150,000 row ids and the machine has more than one core.
   */
  parallel?: boolean;
}

/** Default production log location: `<dataDir>/production/predictions.db`. */
export function productionLogPath(dataDir: string): string {
  return join(dataDir, 'production', PRODUCTION_LOG_FILE);
}

/**
 * The window of the DRIFT_WINDOW setting: a bare integer is a row count
 * (`5000` = the last 5000 rows), a duration (`24h`, `30m`, `7d`) is a time span
 * ending at `nowMs`; unset or empty = no bound. Combine with the production
 * model's start by spreading: `{ sinceMs: liveSince, ...productionWindowFromSetting(...) }`.
 * @throws InvalidArgumentError naming DRIFT_WINDOW for any other text
 */
export function productionWindowFromSetting(
  setting: string | undefined,
  nowMs: number,
): ProductionWindowSpec {
  if (setting === undefined || setting.trim() === '') return {};
  const text = setting.trim();
  if (/^\d+$/.test(text)) {
    const rows = Number(text);
    if (rows <= 0)
      throw new InvalidArgumentError(`DRIFT_WINDOW=${JSON.stringify(setting)}: a row count must be > 0`);
    return { lastRows: rows };
  }
  const ms = parseDurationMs(text);
  if (ms === undefined || ms <= 0 || !/[a-z]$/i.test(text)) {
    throw new InvalidArgumentError(
      `DRIFT_WINDOW=${JSON.stringify(setting)}: expected a row count such as 5000 or a duration such as 30m, 24h, 7d`,
    );
  }
  return { sinceMs: nowMs - ms };
}

const CHUNK_ROWS = 262_144;
/** Windows spanning at least this many row ids are split between the main thread and a worker thread. */
const PARALLEL_MIN_ROWS = 150_000;
/** Memory-map size for reads: pages come from the OS cache without copying into SQLite's cache. */
const MMAP_BYTES = 4_294_967_296;
/** Categorical columns counted in full (address is sampled separately). */
const COUNTED_TEXT_FIELDS = TEXT_FIELDS.filter((f) => f !== CARDINALITY_COLUMN);

/** SQL filter of the window's bounds other than lastRows, with its named parameters. */
function windowFilter(window: ProductionWindowSpec): {
  sql: string;
  params: Record<string, number | string>;
} {
  const parts: string[] = [];
  const params: Record<string, number | string> = {};
  // The unary + keeps SQLite from walking the ts index row by row for a wide range; the rowid range does the narrowing.
  if (window.sinceMs !== undefined) {
    parts.push('+ts >= @sinceMs');
    params.sinceMs = window.sinceMs;
  }
  if (window.untilMs !== undefined) {
    parts.push('+ts < @untilMs');
    params.untilMs = window.untilMs;
  }
  if (window.modelVersion !== undefined) {
    parts.push('model_version = @modelVersion');
    params.modelVersion = window.modelVersion;
  }
  return { sql: parts.length ? ` AND ${parts.join(' AND ')}` : '', params };
}

/**
 * A CASE expression giving one character per row: the right-closed bin of the
 * reference edges the value falls in ('A' + bin), or '!' when missing. The
 * comparisons form a binary search, so a row costs about log2(bins) of them.
 */
function binCaseSql(
  column: NumericField,
  edges: readonly number[],
  params: Record<string, number | string>,
): string {
  const name = (i: number) => `e_${column}_${i}`;
  edges.forEach((edge, i) => (params[name(i)] = edge));
  const search = (lo: number, hi: number): string => {
    if (lo === hi) return `'${String.fromCharCode(BIN_CHAR_BASE + lo)}'`;
    const mid = (lo + hi) >> 1;
    return `CASE WHEN ${column} <= @${name(mid)} THEN ${search(lo, mid)} ELSE ${search(mid + 1, hi)} END`;
  };
  return `CASE WHEN ${column} IS NULL THEN '!' ELSE ${search(0, edges.length)} END`;
}

/** Verifies the log has the shared table and every column the monitor reads. */
function checkSchema(db: Database.Database, dbPath: string): boolean {
  const columns = db
    .prepare(`SELECT name FROM pragma_table_info(?)`)
    .pluck()
    .all(PRODUCTION_LOG_TABLE) as string[];
  if (columns.length === 0) return false;
  const have = new Set(columns);
  // prediction_id is not read here, and logs written before it existed must still be checked.
  const missing = ['id', ...PRODUCTION_LOG_COLUMNS]
    .filter((c) => c !== 'prediction_id')
    .filter((c) => !have.has(c));
  if (missing.length > 0) {
    throw new InvalidDataError(
      `production log ${dbPath}: table ${PRODUCTION_LOG_TABLE} lacks column(s) ${missing.join(', ')}; it was not written by this version of the API`,
    );
  }
  return true;
}

/**
 * Summarises the production window of the log at `dbPath` against the
 * reference (see the module comment for how). A missing file or table is an
 * empty window (logExists false), not an error.
 * @throws InvalidDataError when the file is not a production log; InvalidArgumentError for a bad window
 */
export async function readProductionWindow(
  options: ReadProductionWindowOptions,
): Promise<ProductionWindowRead> {
  if (options.url !== undefined) {
    return readPostgresProductionWindow({
      url: options.url,
      reference: options.reference,
      ...(options.window ? { window: options.window } : {}),
      ...(options.parallel !== undefined ? { parallel: options.parallel } : {}),
    });
  }
  const started = performance.now();
  const { dbPath, reference } = options;
  const window = options.window ?? {};
  checkWindowSpec(window);
  const chunkRows = options.chunkRows ?? CHUNK_ROWS;
  if (!existsSync(dbPath)) return emptyWindowRead(dbPath, false, window, reference, started);

  let db: Database.Database;
  try {
    db = new Database(dbPath, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new InvalidDataError(`cannot open production log ${dbPath}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    // Reads go through the OS page cache directly instead of copying pages into SQLite's cache.
    db.pragma(`mmap_size = ${MMAP_BYTES}`);
    let hasTable: boolean;
    try {
      hasTable = checkSchema(db, dbPath);
    } catch (error) {
      if (error instanceof InvalidDataError) throw error;
      throw new InvalidDataError(
        `production log ${dbPath} is not a readable SQLite database: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    if (!hasTable) return emptyWindowRead(dbPath, false, window, reference, started);

    const filter = windowFilter(window);
    // Without filters MIN(id) and MAX(id) are two rowid B-tree lookups; together in one query they would scan.
    const bound = (fn: 'MIN' | 'MAX') =>
      db
        .prepare(`SELECT ${fn}(id) FROM ${PRODUCTION_LOG_TABLE}${filter.sql ? ` WHERE 1${filter.sql}` : ''}`)
        .pluck()
        .get(filter.params) as number | null;
    const bounds = { first: bound('MIN'), last: bound('MAX') };
    if (bounds.first === null || bounds.last === null)
      return emptyWindowRead(dbPath, true, window, reference, started);
    let first = bounds.first;
    const last = bounds.last;
    if (window.lastRows !== undefined) {
      const cut = db
        .prepare(
          `SELECT id FROM ${PRODUCTION_LOG_TABLE} WHERE 1${filter.sql} ORDER BY id DESC LIMIT 1 OFFSET @offset`,
        )
        .pluck()
        .get({ ...filter.params, offset: window.lastRows - 1 }) as number | undefined;
      if (cut !== undefined) first = cut;
    }

    // Addresses: the whole window, or every k-th row id so about as many as the reference holds are read.
    // k comes from the id span (an upper bound of the rows), so the sample never exceeds the reference size.
    const target = reference.cardinality.address.nonMissing;
    const sampleEvery = target > 0 ? Math.max(1, Math.ceil((last - first + 1) / target)) : 1;
    const params: AggregatePlan['params'] = { ...filter.params, first, every: sampleEvery };
    const select = [
      'COUNT(*)',
      'MIN(ts)',
      'MAX(ts)',
      `COUNT(NULLIF(${CARDINALITY_COLUMN}, ''))`,
      ...PRICE_CATEGORIES.map((c) => `SUM(prediction = '${c}')`),
      // Empty strings become missing values in JavaScript: NULLIF here would cost more than the whole count.
      ...COUNTED_TEXT_FIELDS.map((f) => `json_group_array(${f})`),
      ...NUMERIC_FIELDS.map((f) => `group_concat(${binCaseSql(f, reference.columns[f].edges, params)}, '')`),
    ];
    const plan: AggregatePlan = {
      aggregateSql: `SELECT ${select.join(', ')} FROM ${PRODUCTION_LOG_TABLE} WHERE id BETWEEN @lo AND @hi${filter.sql}`,
      // The sampled ids are generated (first, first + k, ...) and looked up by rowid instead of scanning the window.
      addressSql:
        target > 0
          ? `WITH RECURSIVE sample(id) AS (SELECT @start UNION ALL SELECT id + @every FROM sample WHERE id + @every <= @hi)` +
            ` SELECT ${CARDINALITY_COLUMN} FROM sample JOIN ${PRODUCTION_LOG_TABLE} USING (id)` +
            ` WHERE NULLIF(${CARDINALITY_COLUMN}, '') IS NOT NULL${filter.sql}`
          : null,
      params,
      chunkRows,
      predictionClasses: PRICE_CATEGORIES.length,
      textFields: [...COUNTED_TEXT_FIELDS],
      numericBins: NUMERIC_FIELDS.map((f) => reference.columns[f].edges.length + 1),
    };

    const threads =
      (options.parallel ?? last - first + 1 >= PARALLEL_MIN_ROWS) && availableParallelism() > 1 ? 2 : 1;
    let partial: WindowPartial;
    if (threads === 1) partial = aggregateIdRange(db, plan, first, last);
    else {
      // The worker takes the upper half while this thread aggregates the lower one.
      const mid = first + Math.floor((last - first) / 2);
      // A worker that cannot start (or dies) costs time, not the check: its half is then read here.
      const upper = aggregateInWorker({ dbPath, plan, lo: mid + 1, hi: last, mmapBytes: MMAP_BYTES }).catch(
        () => null,
      );
      const lower = aggregateIdRange(db, plan, first, mid);
      partial = mergeWindowPartials(lower, (await upper) ?? aggregateIdRange(db, plan, mid + 1, last));
    }

    const categorical: ProductionWindowSummary['categorical'] = {};
    COUNTED_TEXT_FIELDS.forEach((f, i) => (categorical[f] = partial.text[i]!));
    // The address column is summarised by its sample: its full counts are never needed.
    categorical[CARDINALITY_COLUMN] = {
      counts: partial.addresses,
      missing: partial.rows - partial.addressNonMissing,
    };
    const numeric: ProductionWindowSummary['numeric'] = {};
    NUMERIC_FIELDS.forEach((f, i) => (numeric[f] = partial.numeric[i]!));

    return {
      rows: partial.rows,
      firstTs: partial.firstTs,
      lastTs: partial.lastTs,
      categorical,
      numeric,
      address: {
        windowNonMissing: partial.addressNonMissing,
        sampleEvery,
        frequencyOfCounts: frequencyOfCounts(partial.addresses.values()),
      },
      predictions: partial.predictions,
      dbPath,
      logExists: true,
      window,
      idRange: { first, last },
      threads,
      readMs: performance.now() - started,
    };
  } finally {
    db.close();
  }
}

/** Runs aggregateIdRange on a worker thread over its own read-only connection. */
function aggregateInWorker(job: {
  dbPath: string;
  plan: AggregatePlan;
  lo: number;
  hi: number;
  mmapBytes: number;
}): Promise<WindowPartial> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./window-worker.mjs', import.meta.url), { workerData: job });
    let settled = false;
    worker.once('message', (reply: { partial?: WindowPartial; error?: string }) => {
      settled = true;
      if (reply.partial) resolve(reply.partial);
      else reject(new InvalidDataError(`production log ${job.dbPath}: ${reply.error ?? 'worker failed'}`));
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`production window worker exited with code ${code} before replying`));
    });
  });
}
