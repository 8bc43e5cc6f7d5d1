/**
 * The categorical blocks: one-hot columns of a key, a looked-up table of
 * values per cell of a key or cross (ordinal rank, frequency, target
 * statistic), and hashed indicator columns.
 */
import type { Block, BlockJSON, RowContext } from './block.js';
import { cellStrides, type FittedKey } from './category-key.js';
import type { PipelineOptions } from './options.js';

/** One 0/1 column per training value of a key; all zeros for a missing or unseen one. */
export class OneHotBlock implements Block {
  readonly width: number;
  readonly names: string[];

  constructor(
    private readonly key: FittedKey,
    private readonly slot: number,
  ) {
    this.width = key.cardinality;
    this.names = Array.from({ length: key.cardinality }, (_, i) => `${key.name}=${key.label(i + 1)}`);
  }

  write(ctx: RowContext, out: Float64Array, offset: number): void {
    out.fill(0, offset, offset + this.width);
    const index = ctx.keyIndex[this.slot]!;
    if (index > 0) out[offset + index - 1] = 1;
  }

  toJSON(): BlockJSON {
    return { type: 'onehot', key: this.key.name };
  }
}

/** Looks up a row of values by the cell of one key or a cross of keys. */
export class TableBlock implements Block {
  readonly width: number;
  readonly names: string[];
  private readonly slots: Int32Array;
  private readonly strides: Int32Array;
  private readonly table: Float64Array;

  constructor(
    private readonly json: Extract<BlockJSON, { type: 'table' }>,
    keys: FittedKey[],
    slots: number[],
    columnNames: string[],
  ) {
    this.width = json.width;
    this.slots = Int32Array.from(slots);
    this.strides = Int32Array.from(cellStrides(keys));
    this.table = Float64Array.from(json.table);
    const prefix = keys.map((k) => k.name).join('x');
    this.names = columnNames.map((c) => `${prefix}:${c}`);
  }

  write(ctx: RowContext, out: Float64Array, offset: number): void {
    let cell = 0;
    for (let k = 0; k < this.slots.length; k++) cell += ctx.keyIndex[this.slots[k]!]! * this.strides[k]!;
    const base = cell * this.width;
    for (let j = 0; j < this.width; j++) out[offset + j] = this.table[base + j]!;
  }

  toJSON(): BlockJSON {
    return { ...this.json, table: Array.from(this.table) };
  }
}

/**
 * Feature hashing: the key values (texts hashed by their characters, numeric
 * keys by their index) are mixed into one of `buckets` indicator columns. No
 * vocabulary needed, so it copes with unseen values; collisions are the price.
 * Text is case-folded for ASCII letters only, so hashing never allocates.
 */
export class HashBlock implements Block {
  readonly width: number;
  readonly names: string[];

  constructor(
    private readonly json: Extract<BlockJSON, { type: 'hash' }>,
    private readonly keys: FittedKey[],
    private readonly slots: number[],
  ) {
    this.width = json.buckets;
    const prefix = json.keys.join('x');
    this.names = Array.from({ length: json.buckets }, (_, i) => `${prefix}:hash${i}`);
  }

  write(ctx: RowContext, out: Float64Array, offset: number): void {
    out.fill(0, offset, offset + this.width);
    let h = 0x811c9dc5;
    for (let k = 0; k < this.keys.length; k++) {
      const json = this.keys[k]!.json;
      if (json.source === 'text') {
        const text = ctx.record[json.field];
        if (text === null || text === undefined) return; // a missing component: no bucket
        for (let i = 0; i < text.length; i++) {
          let c = text.charCodeAt(i);
          if (c >= 65 && c <= 90) c += 32;
          h = Math.imul(h ^ c, 0x01000193);
        }
      } else {
        const index = ctx.keyIndex[this.slots[k]!]!;
        if (index === 0) return;
        h = Math.imul(h ^ index, 0x01000193);
      }
      h = Math.imul(h ^ 0x1f, 0x01000193); // component separator
    }
    out[offset + ((h >>> 0) % this.width)] = 1;
  }

  toJSON(): BlockJSON {
    return this.json;
  }
}

/** Column names of a table block's values (after the `keys:` prefix). */
export function tableColumnNames(
  encoding: 'ordinal' | 'frequency' | 'target',
  options: PipelineOptions,
): string[] {
  if (encoding === 'ordinal') return ['ordinal'];
  if (encoding === 'frequency') return ['freq'];
  if (options.targetStat === 'mean') return ['te_mean'];
  return targetProbClasses(options.nClasses).map((c) => `te_p${c}`);
}

/** Classes whose probability a `probs` target encoding outputs: all but the middle one (redundant). */
export function targetProbClasses(nClasses: number): number[] {
  if (nClasses <= 2) return [nClasses - 1];
  const middle = Math.floor((nClasses - 1) / 2);
  return Array.from({ length: nClasses }, (_, c) => c).filter((c) => nClasses % 2 === 0 || c !== middle);
}
