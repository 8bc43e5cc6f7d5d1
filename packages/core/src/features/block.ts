/**
 * What every group of output columns of the pipeline (a block) is: its JSON
 * form as stored in the model bundle, and the runtime contract of a fitted
 * block, which writes its columns of one row from a shared per-row scratch.
 */
import type { ListingRecord, NumericField } from '../listing/listing.js';
import type { CategoryKey } from './options.js';

/** One group of output columns. */
export type BlockJSON =
  | { type: 'numeric'; medians: number[]; indicators: NumericField[] }
  | { type: 'engineered' }
  | { type: 'floor-number'; median: number }
  | { type: 'ad-month'; median: number }
  | { type: 'onehot'; key: CategoryKey }
  | {
      type: 'table';
      encoding: 'ordinal' | 'frequency' | 'target';
      keys: CategoryKey[];
      /** Values per cell (columns of the block). */
      width: number;
      /** cells x width, row-major; cell = mixed-radix index of the keys' indices. */
      table: number[];
    }
  | { type: 'hash'; keys: CategoryKey[]; buckets: number };

/** Per-row scratch shared by the blocks: raw and imputed numerics, key indices. */
export interface RowContext {
  record: ListingRecord;
  raw: Float64Array;
  imputed: Float64Array;
  keyIndex: Int32Array;
}

/** A fitted group of output columns. */
export interface Block {
  /** Number of columns the block writes. */
  readonly width: number;
  /** Feature name of each of its columns. */
  readonly names: string[];
  /** Writes the block's `width` columns of the row in `ctx` into `out` from `offset` on. */
  write(ctx: RowContext, out: Float64Array, offset: number): void;
  toJSON(): BlockJSON;
}
