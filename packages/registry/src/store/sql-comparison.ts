/**
 * Turns one parsed comparison into a SQL condition on a given column. Shared by
 * the stores and both engines so every entity gets the same operator semantics:
 * LIKE is case-sensitive, ILIKE ASCII-case-insensitive (the dialect says how),
 * numeric fields take numbers and string fields quoted strings.
 */
import { invalidParameter } from '../errors.js';
import type { Comparison } from './search-filter.js';
import type { SqlDialect, SqlFragment } from './sql-dialect.js';

/** A WHERE condition with its `?` parameters. */
export type SqlCondition = SqlFragment;

const NUMERIC_OPS = new Set(['=', '!=', '>', '>=', '<', '<=']);
const STRING_OPS = new Set(['=', '!=', 'LIKE', 'ILIKE']);

function describe(c: Comparison): string {
  const prefix = c.type === 'attribute' ? '' : `${c.type}s.`;
  return `${prefix}${c.key}`;
}

/** A comparison of a numeric column (metric values, times) with a number. */
export function numericCondition(dialect: SqlDialect, column: string, c: Comparison): SqlCondition {
  if (!NUMERIC_OPS.has(c.op)) {
    throw invalidParameter(
      `Invalid comparator '${c.op}' for ${describe(c)}: numeric fields take one of = != > >= < <=`,
    );
  }
  let value = c.value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    value = Number(value);
  if (typeof value !== 'number') {
    throw invalidParameter(`Expected a numeric value for ${describe(c)}, got ${JSON.stringify(c.value)}`);
  }
  return { sql: `${column} ${c.op} ${dialect.numberParam}`, params: [value] };
}

/** A comparison of a text column with a quoted string (or a list for IN / NOT IN when allowed). */
export function stringCondition(
  dialect: SqlDialect,
  column: string,
  c: Comparison,
  options: { allowIn?: boolean } = {},
): SqlCondition {
  if (c.op === 'IN' || c.op === 'NOT IN') {
    if (!options.allowIn) {
      throw invalidParameter(`Invalid comparator '${c.op}' for ${describe(c)}: use = != LIKE ILIKE`);
    }
    const list = c.value as string[];
    if (list.length === 0) return { sql: c.op === 'IN' ? 'FALSE' : 'TRUE', params: [] };
    const marks = list.map(() => '?').join(', ');
    return { sql: `${column} ${c.op} (${marks})`, params: list };
  }
  if (!STRING_OPS.has(c.op)) {
    throw invalidParameter(
      `Invalid comparator '${c.op}' for ${describe(c)}: text fields take = != LIKE ILIKE`,
    );
  }
  if (typeof c.value !== 'string') {
    throw invalidParameter(
      `Expected a quoted string value for ${describe(c)}, got ${String(c.value)} (put it in single quotes)`,
    );
  }
  if (c.op === 'LIKE') return dialect.like(column, c.value);
  if (c.op === 'ILIKE') return dialect.ilike(column, c.value);
  return { sql: `${column} ${c.op} ?`, params: [c.value] };
}

/** Joins conditions with AND; an empty list is always true. */
export function allOf(conditions: SqlCondition[]): SqlCondition {
  if (conditions.length === 0) return { sql: 'TRUE', params: [] };
  return {
    sql: conditions.map((c) => `(${c.sql})`).join(' AND '),
    params: conditions.flatMap((c) => c.params),
  };
}
