/**
 * The numeric blocks: the four numerics (median-imputed, with missing
 * indicators), the engineered ratios, and numerics parsed from a text field
 * (floor number, ad month).
 */
import { NUMERIC_FIELDS, type TextField } from '../listing/listing.js';
import type { Block, BlockJSON, RowContext } from './block.js';

/** The four numerics after imputation, then a 0/1 missing indicator per listed field. */
export class NumericBlock implements Block {
  readonly width: number;
  readonly names: string[];
  private readonly indicatorSlots: Int32Array;

  constructor(private readonly json: Extract<BlockJSON, { type: 'numeric' }>) {
    this.indicatorSlots = Int32Array.from(json.indicators.map((f) => NUMERIC_FIELDS.indexOf(f)));
    this.width = NUMERIC_FIELDS.length + this.indicatorSlots.length;
    this.names = [...NUMERIC_FIELDS, ...json.indicators.map((f) => `${f}_missing`)];
  }

  write(ctx: RowContext, out: Float64Array, offset: number): void {
    const n = NUMERIC_FIELDS.length;
    for (let j = 0; j < n; j++) out[offset + j] = ctx.imputed[j]!;
    for (let j = 0; j < this.indicatorSlots.length; j++) {
      out[offset + n + j] = Number.isNaN(ctx.raw[this.indicatorSlots[j]!]!) ? 1 : 0;
    }
  }

  toJSON(): BlockJSON {
    return this.json;
  }
}

const GROSS = NUMERIC_FIELDS.indexOf('GrossSquareMeters');
const NET = NUMERIC_FIELDS.indexOf('NetSquareMeters');
const ROOMS = NUMERIC_FIELDS.indexOf('NumberOfRooms');

/** Net/gross ratio, gross area per room and gross minus net, from the imputed numerics. */
export class EngineeredBlock implements Block {
  readonly width = 3;
  readonly names = ['net_gross_ratio', 'gross_per_room', 'gross_minus_net'];

  write(ctx: RowContext, out: Float64Array, offset: number): void {
    const gross = ctx.imputed[GROSS]!;
    const net = ctx.imputed[NET]!;
    const rooms = ctx.imputed[ROOMS]!;
    out[offset] = gross > 0 ? net / gross : Number.NaN;
    out[offset + 1] = rooms > 0 ? gross / rooms : Number.NaN;
    out[offset + 2] = gross - net;
  }

  toJSON(): BlockJSON {
    return { type: 'engineered' };
  }
}

/** A numeric parsed from a text field, cached per distinct text, median-imputed. */
export class ParsedTextBlock implements Block {
  readonly width = 1;
  readonly names: string[];
  private readonly cache = new Map<string, number>();

  constructor(
    private readonly json: Extract<BlockJSON, { type: 'floor-number' | 'ad-month' }>,
    private readonly field: TextField,
    private readonly parse: (text: string | null) => number,
  ) {
    this.names = [json.type === 'floor-number' ? 'floor_number' : 'ad_month'];
  }

  write(ctx: RowContext, out: Float64Array, offset: number): void {
    const text = ctx.record[this.field];
    let v = Number.NaN;
    if (text !== null && text !== undefined) {
      const cached = this.cache.get(text);
      if (cached !== undefined) v = cached;
      else {
        v = this.parse(text);
        // Bounded so a flood of unseen spellings cannot grow memory without limit.
        if (this.cache.size < 10_000) this.cache.set(text, v);
      }
    }
    out[offset] = Number.isNaN(v) ? this.json.median : v;
  }

  toJSON(): BlockJSON {
    return this.json;
  }
}
