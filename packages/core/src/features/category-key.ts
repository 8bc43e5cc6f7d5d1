/**
 * Fitted categorical keys: a key maps a record to a small index (0 for a
 * missing or unseen value, 1..cardinality for the training values), and a
 * cross of keys combines their indices into one cell by mixed radix.
 */
import { NUMERIC_FIELDS, type NumericField, type TextField } from '../listing/listing.js';
import { normaliseCategory } from '../listing/text.js';
import type { RowContext } from './block.js';
import type { CategoryKey } from './options.js';

/** A fitted categorical key. Index 0 is "missing or unseen"; known values are 1..n. */
export type KeyJSON =
  | { name: CategoryKey; source: 'text'; field: TextField; values: string[] }
  | { name: CategoryKey; source: 'value'; field: NumericField; values: number[] }
  | { name: CategoryKey; source: 'bins'; field: NumericField; edges: number[] };

/** A fitted key that maps a record to 0 (missing/unseen) or 1..cardinality. */
export class FittedKey {
  readonly cardinality: number;
  private readonly exact = new Map<string | number, number>();
  private readonly normalised = new Map<string, number>();
  private readonly edges: Float64Array;
  private readonly numericSlot: number;

  constructor(readonly json: KeyJSON) {
    if (json.source === 'bins') {
      this.edges = Float64Array.from(json.edges);
      this.cardinality = json.edges.length + 1;
    } else {
      this.edges = new Float64Array(0);
      this.cardinality = json.values.length;
      json.values.forEach((value, i) => {
        this.exact.set(value, i + 1);
        if (typeof value === 'string') this.normalised.set(normaliseCategory(value), i + 1);
      });
    }
    this.numericSlot = json.source === 'text' ? -1 : NUMERIC_FIELDS.indexOf(json.field);
  }

  get name(): CategoryKey {
    return this.json.name;
  }

  /** Index of this key for the row in `ctx` (numerics read before imputation). */
  index(ctx: RowContext): number {
    const json = this.json;
    if (json.source === 'text') {
      const value = ctx.record[json.field];
      if (value === null || value === undefined) return 0;
      const hit = this.exact.get(value);
      if (hit !== undefined) return hit;
      return this.normalised.get(normaliseCategory(String(value))) ?? 0;
    }
    const v = ctx.raw[this.numericSlot]!;
    if (Number.isNaN(v)) return 0;
    if (json.source === 'value') return this.exact.get(v) ?? 0;
    // Bins: 1 + number of edges <= v (binary search).
    let lo = 0;
    let hi = this.edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.edges[mid]! <= v) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  }

  /** Display name of index i (for feature names). */
  label(i: number): string {
    const json = this.json;
    if (i === 0) return '<unknown>';
    if (json.source === 'bins') return `bin${i}`;
    return String(json.values[i - 1]);
  }
}

/** Number of known values of a fitted key (0: no training row had one). */
export function keyCardinality(json: KeyJSON): number {
  return json.source === 'bins' ? json.edges.length + 1 : json.values.length;
}

/** Mixed-radix strides of a cross: the first key varies slowest. */
export function cellStrides(keys: FittedKey[]): number[] {
  const strides = new Array<number>(keys.length).fill(1);
  for (let k = keys.length - 2; k >= 0; k--) strides[k] = strides[k + 1]! * (keys[k + 1]!.cardinality + 1);
  return strides;
}

/** Number of cells of a cross (each key's values plus its "unknown" slot). */
export function cellCount(keys: FittedKey[]): number {
  return keys.reduce((n, k) => n * (k.cardinality + 1), 1);
}
