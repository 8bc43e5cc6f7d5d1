import { PRODUCTION_LOG_COLUMNS } from '@mlops/core/listing';
import type { ServedPrediction } from './production-log.js';

/** One production log row: the values of PRODUCTION_LOG_COLUMNS, in order. */
export type LogRow = (string | number | null)[];

type LogValue = string | number | null;

const COLUMN_INDEX = new Map<string, number>(PRODUCTION_LOG_COLUMNS.map((column, i) => [column, i]));
/** Column name of each served-prediction field seen so far (the regex runs once per field name). */
const columnOfField = new Map<string, string>();

/** `modelVersion` -> `model_version`: a served prediction's field as a column name. */
function columnName(field: string): string {
  let column = columnOfField.get(field);
  if (column === undefined) {
    column = field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    columnOfField.set(field, column);
  }
  return column;
}

function put(row: (LogValue | undefined)[], column: string, value: unknown): void {
  const i = COLUMN_INDEX.get(column);
  if (i !== undefined) row[i] = value as LogValue;
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
  const row = new Array<LogValue | undefined>(PRODUCTION_LOG_COLUMNS.length);
  for (const field in served) {
    if (field === 'listing' || field === 'probabilities') continue;
    put(row, columnName(field), served[field as keyof ServedPrediction]);
  }
  const { listing, probabilities } = served;
  for (const field in listing) put(row, field, listing[field as keyof typeof listing]);
  for (const category in probabilities) {
    put(row, `p_${category}`, probabilities[category as keyof typeof probabilities]);
  }
  for (let i = 0; i < row.length; i++) {
    if (row[i] === undefined)
      throw new Error(`production log: no value for column ${PRODUCTION_LOG_COLUMNS[i]}`);
  }
  return row as LogRow;
}
