/**
 * Fitting the pipeline from training rows: medians, the keys' vocabularies and
 * bins, and the tables of the categorical blocks. Target encodings are
 * smoothed class statistics of a cell's training rows, pulled towards a prior
 * by `targetSmoothing` pseudo-rows; training rows also get out-of-fold values
 * (each row's encoding comes from the other folds' rows), otherwise the forest
 * would learn from encodings that already contain the row's own label.
 */
import { NUMERIC_FIELDS, type ListingRecord, type NumericField, type TextField } from '../listing/listing.js';
import { normaliseCategory } from '../listing/text.js';
import { stratifiedKFold } from '../sampling/split.js';
import type { BlockJSON, RowContext } from './block.js';
import { targetProbClasses } from './categorical-blocks.js';
import { cellCount, cellStrides, FittedKey, keyCardinality, type KeyJSON } from './category-key.js';
import { adMonth, floorNumber } from './derived.js';
import {
  HIGH_CARDINALITY_KEYS,
  LOW_CARDINALITY_KEYS,
  type CategoricalEncoding,
  type CategoryKey,
  type PipelineOptions,
} from './options.js';

/** The out-of-fold values of one target-encoded block for the training rows. */
export interface OutOfFoldColumns {
  /** Index of the block in the fitted blocks. */
  blockIndex: number;
  /** `rows * width` values, row-major. */
  values: Float64Array;
  width: number;
}

/** What a fit produces: the fitted keys and blocks, and the training rows' out-of-fold columns. */
export interface PipelineFit {
  keys: KeyJSON[];
  blocks: BlockJSON[];
  outOfFold: OutOfFoldColumns[];
}

/** The fitting procedure, kept apart from the fitted (serving) object. */
export class PipelineFitter {
  private readonly n: number;
  private readonly raw: Float64Array[];

  constructor(
    private readonly records: readonly ListingRecord[],
    private readonly labels: ArrayLike<number>,
    private readonly options: PipelineOptions,
  ) {
    this.n = records.length;
    this.raw = NUMERIC_FIELDS.map((field) =>
      Float64Array.from(records, (r) => {
        const v = r[field];
        return typeof v === 'number' && Number.isFinite(v) ? v : Number.NaN;
      }),
    );
  }

  run(): PipelineFit {
    const o = this.options;
    const blocks: BlockJSON[] = [];
    const indicators = NUMERIC_FIELDS.filter(
      (_, j) => o.missingIndicators && this.raw[j]!.some(Number.isNaN),
    );
    blocks.push({ type: 'numeric', medians: this.raw.map((column) => median(column) ?? 0), indicators });
    if (o.engineered) blocks.push({ type: 'engineered' });
    if (o.floorNumber) {
      const floors = Float64Array.from(this.records, (r) => floorNumber(r.FloorLocation));
      const m = median(floors);
      if (m !== undefined) blocks.push({ type: 'floor-number', median: m });
    }
    if (o.adMonth) {
      const months = Float64Array.from(this.records, (r) => adMonth(r.AdCreationDate));
      const m = median(months);
      if (m !== undefined) blocks.push({ type: 'ad-month', median: m });
    }

    // Categorical groups: a key (or cross) whose training values are all missing is left out.
    const groups: { keys: CategoryKey[]; encoding: CategoricalEncoding }[] = [
      ...LOW_CARDINALITY_KEYS.map((k) => ({ keys: [k], encoding: o.lowCardinality as CategoricalEncoding })),
      ...HIGH_CARDINALITY_KEYS.map((k) => ({
        keys: [k],
        encoding: o.highCardinality as CategoricalEncoding,
      })),
      ...o.crosses.map((keys) => ({ keys, encoding: o.crossEncoding as CategoricalEncoding })),
    ];
    const keyJson = new Map<CategoryKey, KeyJSON>();
    const fitKey = (name: CategoryKey): KeyJSON => {
      let json = keyJson.get(name);
      if (!json) keyJson.set(name, (json = this.fitKey(name)));
      return json;
    };
    const usable = groups.filter((g) => g.keys.every((k) => keyCardinality(fitKey(k)) > 0));
    const usedKeys = [...new Set(usable.flatMap((g) => g.keys))];
    const keys = usedKeys.map((k) => fitKey(k));

    // Key indices of every training row, through the same code serving uses.
    const keyObjects = keys.map((k) => new FittedKey(k));
    const ctx: RowContext = {
      record: null as unknown as ListingRecord,
      raw: new Float64Array(NUMERIC_FIELDS.length),
      imputed: new Float64Array(NUMERIC_FIELDS.length),
      keyIndex: new Int32Array(keys.length),
    };
    const rowKeys = new Int32Array(this.n * keys.length);
    for (let i = 0; i < this.n; i++) {
      ctx.record = this.records[i]!;
      for (let j = 0; j < NUMERIC_FIELDS.length; j++) ctx.raw[j] = this.raw[j]![i]!;
      for (let k = 0; k < keys.length; k++) rowKeys[i * keys.length + k] = keyObjects[k]!.index(ctx);
    }

    const folds = this.targetFoldOfRows();
    const outOfFold: OutOfFoldColumns[] = [];
    for (const group of usable) {
      const slots = group.keys.map((k) => usedKeys.indexOf(k));
      const groupKeys = slots.map((s) => keyObjects[s]!);
      const strides = cellStrides(groupKeys);
      const cells = new Int32Array(this.n);
      for (let i = 0; i < this.n; i++) {
        for (let k = 0; k < slots.length; k++)
          cells[i]! += rowKeys[i * keys.length + slots[k]!]! * strides[k]!;
      }
      const nCells = cellCount(groupKeys);
      switch (group.encoding) {
        case 'onehot':
          blocks.push({ type: 'onehot', key: group.keys[0]! });
          break;
        case 'hash':
          blocks.push({ type: 'hash', keys: group.keys, buckets: o.hashBuckets });
          break;
        case 'frequency': {
          const table = new Array<number>(nCells).fill(0);
          for (const cell of cells) table[cell]! += 1 / this.n;
          blocks.push({ type: 'table', encoding: 'frequency', keys: group.keys, width: 1, table });
          break;
        }
        case 'ordinal': {
          blocks.push({
            type: 'table',
            encoding: 'ordinal',
            keys: group.keys,
            width: 1,
            table: this.ordinalTable(cells, nCells),
          });
          break;
        }
        case 'target': {
          const parentStride = group.keys.length > 1 && o.targetPrior === 'first-key' ? strides[0]! : 0;
          const { table, oof, width } = this.targetTable(cells, nCells, folds, parentStride);
          outOfFold.push({ blockIndex: blocks.length, values: oof, width });
          blocks.push({ type: 'table', encoding: 'target', keys: group.keys, width, table });
          break;
        }
      }
    }

    return { keys, blocks, outOfFold };
  }

  private fitKey(name: CategoryKey): KeyJSON {
    switch (name) {
      case 'rooms':
      case 'age': {
        const field: NumericField = name === 'rooms' ? 'NumberOfRooms' : 'BuildingAge';
        const column = this.raw[NUMERIC_FIELDS.indexOf(field)]!;
        const values = [...new Set(column.filter((v) => !Number.isNaN(v)))].sort((a, b) => a - b);
        return { name, source: 'value', field, values };
      }
      case 'gross_bin':
      case 'net_bin': {
        const field: NumericField = name === 'gross_bin' ? 'GrossSquareMeters' : 'NetSquareMeters';
        const column = this.raw[NUMERIC_FIELDS.indexOf(field)]!.filter((v) => !Number.isNaN(v)).sort();
        const edges: number[] = [];
        if (column.length > 0) {
          for (let q = 1; q < this.options.sizeBins; q++) {
            const edge =
              column[Math.min(column.length - 1, Math.floor((q * column.length) / this.options.sizeBins))]!;
            if (edges.length === 0 || edge > edges[edges.length - 1]!) edges.push(edge);
          }
        }
        // No non-missing value: a bin key with no edges and no data is useless; mark it empty.
        return column.length === 0
          ? { name, source: 'value', field, values: [] }
          : { name, source: 'bins', field, edges };
      }
      default: {
        const field = name as TextField;
        // Values by training frequency (most frequent first), spelled as most often seen;
        // spellings that normalise alike share one value.
        const byNormal = new Map<string, { count: number; spellings: Map<string, number> }>();
        for (const record of this.records) {
          const value = record[field];
          if (value === null || value === undefined || value.trim() === '') continue;
          const normal = normaliseCategory(value);
          let entry = byNormal.get(normal);
          if (!entry) byNormal.set(normal, (entry = { count: 0, spellings: new Map() }));
          entry.count++;
          entry.spellings.set(value, (entry.spellings.get(value) ?? 0) + 1);
        }
        const values = [...byNormal.entries()]
          .sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
          .map(([, entry]) => [...entry.spellings.entries()].sort((a, b) => b[1] - a[1])[0]![0]);
        return { name, source: 'text', field, values };
      }
    }
  }

  /** Fold (0 .. targetFolds-1) of each training row for the out-of-fold encodings. */
  private targetFoldOfRows(): Uint8Array {
    const folds = new Uint8Array(this.n);
    const k = Math.min(this.options.targetFolds, this.n);
    if (k < 2) return folds;
    stratifiedKFold(this.labels, k, this.options.seed).forEach((split, f) => {
      for (const row of split.test) folds[row] = f;
    });
    return folds;
  }

  /** Categories ranked by mean class index (ties and unseen cells: -1 for unseen). */
  private ordinalTable(cells: Int32Array, nCells: number): number[] {
    const sum = new Float64Array(nCells);
    const count = new Float64Array(nCells);
    for (let i = 0; i < this.n; i++) {
      sum[cells[i]!]! += this.labels[i]!;
      count[cells[i]!]!++;
    }
    const seen = Array.from({ length: nCells }, (_, c) => c).filter((c) => count[c]! > 0);
    seen.sort((a, b) => sum[a]! / count[a]! - sum[b]! / count[b]! || a - b);
    const table = new Array<number>(nCells).fill(-1);
    seen.forEach((cell, rank) => (table[cell] = rank));
    return table;
  }

  /**
   * Smoothed target statistics per cell from all rows (for serving), and per
   * training row from the other folds' rows (out-of-fold). The prior a cell is
   * pulled towards is the overall class mix, or for a cross with
   * `targetPrior: 'first-key'` the (itself smoothed) class mix of the cross's
   * first key, so a rare district x floor cell falls back to its district.
   * @param parentStride cells per value of the first key (the cross's first
   *   stride), or 0 for the overall prior
   */
  private targetTable(
    cells: Int32Array,
    nCells: number,
    folds: Uint8Array,
    parentStride: number,
  ): { table: number[]; oof: Float64Array; width: number } {
    const K = this.options.nClasses;
    const nFolds = Math.max(...folds) + 1;
    const nParents = parentStride > 0 ? Math.ceil(nCells / parentStride) : 1;
    const parentOf = (cell: number) => (parentStride > 0 ? Math.floor(cell / parentStride) : 0);
    const counts = new Float64Array(nCells * K);
    const foldCounts = new Float64Array(nFolds * nCells * K);
    const parentCounts = new Float64Array(nParents * K);
    const parentFoldCounts = new Float64Array(nFolds * nParents * K);
    const global = new Float64Array(K);
    for (let i = 0; i < this.n; i++) {
      const c = this.labels[i]!;
      const cell = cells[i]!;
      const parent = parentOf(cell);
      counts[cell * K + c]!++;
      foldCounts[(folds[i]! * nCells + cell) * K + c]!++;
      parentCounts[parent * K + c]!++;
      parentFoldCounts[(folds[i]! * nParents + parent) * K + c]!++;
      global[c]! += 1 / this.n;
    }
    const m = this.options.targetSmoothing;
    const probClasses = targetProbClasses(K);
    const width = this.options.targetStat === 'mean' ? 1 : probClasses.length;
    const prior = new Float64Array(K);
    const smoothed = new Float64Array(K);
    /** smoothed = (counts + m * base) / (n + m), or base when there is nothing at all. */
    const smooth = (
      source: Float64Array,
      at: number,
      base: Float64Array,
      minus: Float64Array | null,
      minusAt: number,
    ) => {
      let n = 0;
      for (let c = 0; c < K; c++) n += source[at + c]! - (minus ? minus[minusAt + c]! : 0);
      for (let c = 0; c < K; c++) {
        const count = source[at + c]! - (minus ? minus[minusAt + c]! : 0);
        smoothed[c] = n + m === 0 ? base[c]! : (count + m * base[c]!) / (n + m);
      }
    };
    const encode = (into: Float64Array | number[], at: number) => {
      if (this.options.targetStat === 'mean') {
        let value = 0;
        for (let c = 0; c < K; c++) value += c * smoothed[c]!;
        into[at] = value;
      } else {
        probClasses.forEach((c, j) => (into[at + j] = smoothed[c]!));
      }
    };
    const setPrior = (parent: number, fold: number) => {
      if (parentStride === 0) prior.set(global);
      else {
        smooth(
          parentCounts,
          parent * K,
          global,
          fold < 0 ? null : parentFoldCounts,
          (fold * nParents + parent) * K,
        );
        prior.set(smoothed);
      }
    };
    const table = new Array<number>(nCells * width);
    for (let cell = 0; cell < nCells; cell++) {
      setPrior(parentOf(cell), -1);
      smooth(counts, cell * K, prior, null, 0);
      encode(table, cell * width);
    }
    const oof = new Float64Array(this.n * width);
    for (let i = 0; i < this.n; i++) {
      const cell = cells[i]!;
      const fold = folds[i]!;
      setPrior(parentOf(cell), fold);
      smooth(counts, cell * K, prior, foldCounts, (fold * nCells + cell) * K);
      encode(oof, i * width);
    }
    return { table, oof, width };
  }
}

/** Median of the non-NaN values, or undefined when there are none. */
function median(values: Float64Array): number | undefined {
  const present = values.filter((v) => !Number.isNaN(v)).sort();
  if (present.length === 0) return undefined;
  const mid = present.length >> 1;
  return present.length % 2 === 1 ? present[mid]! : (present[mid - 1]! + present[mid]!) / 2;
}
