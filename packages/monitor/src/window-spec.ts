/**
 * What both production-log readers (SQLite file, PostgreSQL table) share:
 * the check of a window spec and the summary of an empty window.
 */
import { InvalidArgumentError, PRICE_CATEGORIES } from '@mlops/core';
import type { ProductionWindowSummary, ReferenceSnapshot } from '@mlops/core/drift';
import { NUMERIC_FIELDS, TEXT_FIELDS } from '@mlops/core/listing';
import type { ProductionWindowRead, ProductionWindowSpec } from './production-window.js';

/** The summary of a window without rows (no log yet, or nothing matches the bounds). */
export function emptyWindowRead(
  dbPath: string,
  logExists: boolean,
  window: ProductionWindowSpec,
  reference: ReferenceSnapshot,
  started: number,
): ProductionWindowRead {
  const categorical: ProductionWindowSummary['categorical'] = {};
  for (const f of TEXT_FIELDS) categorical[f] = { counts: new Map(), missing: 0 };
  const numeric: ProductionWindowSummary['numeric'] = {};
  for (const f of NUMERIC_FIELDS) {
    numeric[f] = { counts: new Array<number>(reference.columns[f].edges.length + 1).fill(0), missing: 0 };
  }
  return {
    rows: 0,
    firstTs: null,
    lastTs: null,
    categorical,
    numeric,
    address: { windowNonMissing: 0, sampleEvery: 1, frequencyOfCounts: [] },
    predictions: PRICE_CATEGORIES.map(() => 0),
    dbPath,
    logExists,
    window,
    idRange: null,
    threads: 1,
    readMs: performance.now() - started,
  };
}

/**
 * Refuses a window whose bounds are not finite times or whose row count is not a positive integer.
 * @throws InvalidArgumentError naming the bound
 */
export function checkWindowSpec(window: ProductionWindowSpec): void {
  for (const key of ['sinceMs', 'untilMs'] as const) {
    const v = window[key];
    if (v !== undefined && !Number.isFinite(v)) {
      throw new InvalidArgumentError(`production window: ${key} must be a finite epoch-ms time, got ${v}`);
    }
  }
  if (window.lastRows !== undefined && !(Number.isInteger(window.lastRows) && window.lastRows > 0)) {
    throw new InvalidArgumentError(
      `production window: lastRows must be a positive integer, got ${window.lastRows}`,
    );
  }
}
