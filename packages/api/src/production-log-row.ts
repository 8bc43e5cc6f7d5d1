import { PRODUCTION_LOG_COLUMNS } from '@mlops/core/listing';
import type { ServedPrediction } from './production-log.js';

/** One production log row: the values of PRODUCTION_LOG_COLUMNS, in order. */
export type LogRow = (string | number | null)[];

type LogValue = string | number | null;

/** `modelVersion` -> `model_version`: a served prediction's field as a column name. */
function columnName(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * The row of one served prediction, in PRODUCTION_LOG_COLUMNS order. Values are looked up by
 * column name: the listing's fields under their own names, the class probabilities as `p_<class>`,
 * and every other field of the served prediction under its snake_case name (`modelVersion` ->
 * `model_version`). A column added to PRODUCTION_LOG_COLUMNS (and its value to ServedPrediction)
 * therefore reaches both backends without touching the writers.
 * @throws Error naming the column when a column has no value (a schema and type out of step)
 */
export function productionLogRow(served: ServedPrediction): LogRow {
  const values: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(served)) {
    if (field !== 'listing' && field !== 'probabilities') values[columnName(field)] = value;
  }
  for (const [field, value] of Object.entries(served.listing)) values[field] = value;
  for (const [category, p] of Object.entries(served.probabilities)) values[`p_${category}`] = p;
  return PRODUCTION_LOG_COLUMNS.map((column) => {
    const value = values[column];
    if (value === undefined) throw new Error(`production log: no value for column ${column}`);
    return value as LogValue;
  });
}
