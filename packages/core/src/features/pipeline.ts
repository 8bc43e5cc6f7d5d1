/**
 * The feature pipeline: turns listings (ListingRecord) into the numeric rows
 * the forest and the baseline consume. It is fitted on training rows (their
 * labels feed the target encodings), transforms any rows, and serializes to
 * JSON inside the model bundle, so training and serving share one fitted state
 * and there is no train/serve skew.
 *
 * Output columns, in order (each group only when enabled and informative):
 * 1. the four numerics, missing values replaced by the training median, plus a
 *    0/1 missing indicator for each numeric that had missing training values;
 * 2. engineered numerics: net/gross ratio, gross area per room, gross minus net;
 * 3. the floor number parsed from FloorLocation ("3. Kat" -> 3, "Kot 2 (-2). Kat"
 *    -> -2, "Yüksek Giriş" -> 0.5) and the ad month (AdCreationDate as months);
 * 4. the low-cardinality categoricals (district, HeatingType, StructureType,
 *    FloorLocation) by one-hot, target-ranked ordinal, frequency or target encoding;
 * 5. the high-cardinality ones (address, AdCreationDate, Subscription) by
 *    hashing, frequency or target encoding;
 * 6. crosses of keys (district x HeatingType, district x FloorLocation, district
 *    x rooms, ...), by the same three choices.
 * Which encoding wins was measured by 5-fold CV on the real listings (see
 * DEFAULT_PIPELINE_OPTIONS and the notes for the table).
 *
 * Target encodings are smoothed class statistics of a category's training rows,
 * pulled towards the overall prior by `smoothing` pseudo-rows. Training rows get
 * out-of-fold values (each row's encoding comes from the other folds), otherwise
 * the forest would learn from encodings that already contain the row's own label.
 *
 * Serving: `transformOne` reads a record and writes one row without allocating
 * (for categories seen in training; an unseen spelling costs one normalised
 * lookup). Unseen or missing categories never throw: they map to the "unknown"
 * slot, whose encoding is the prior (target), 0 (frequency, one-hot) or -1 (ordinal).
 */
import type { Dataset } from './dataset.js';
import { BundleFormatError, InvalidArgumentError } from '../errors.js';
import { NUMERIC_FIELDS, type ListingRecord, type NumericField, type TextField } from '../listing/listing.js';
import { foldTurkish, normaliseCategory } from '../listing/text.js';
import { stratifiedKFold } from '../sampling/split.js';

export const PIPELINE_KIND = 'housing-feature-pipeline';
export const PIPELINE_FORMAT_VERSION = 1;

/** How a categorical key (or cross of keys) becomes numbers. */
export type CategoricalEncoding = 'onehot' | 'ordinal' | 'frequency' | 'target' | 'hash';

/** Names of the categorical keys the pipeline can encode and cross. */
export const CATEGORY_KEYS = [
  'district',
  'HeatingType',
  'StructureType',
  'FloorLocation',
  'address',
  'AdCreationDate',
  'Subscription',
  /** NumberOfRooms as a category (its values are few: 1, 1.5, 2, ...). */
  'rooms',
  /** BuildingAge as a category (the raw form has nine values). */
  'age',
  /** GrossSquareMeters in training-quantile bins (`sizeBins` of them). */
  'gross_bin',
  /** NetSquareMeters in training-quantile bins. */
  'net_bin',
] as const;
export type CategoryKey = (typeof CATEGORY_KEYS)[number];

/** Settings of a pipeline fit. Every field has a default (DEFAULT_PIPELINE_OPTIONS). */
export interface PipelineOptions {
  /** Encoding of district, HeatingType, StructureType, FloorLocation. */
  lowCardinality: Exclude<CategoricalEncoding, 'hash'>;
  /** Encoding of address, AdCreationDate, Subscription. */
  highCardinality: Exclude<CategoricalEncoding, 'onehot' | 'ordinal'>;
  /** Crosses to encode, each a list of key names (e.g. ['district', 'HeatingType']). */
  crosses: CategoryKey[][];
  /** Encoding of the crosses. */
  crossEncoding: Exclude<CategoricalEncoding, 'onehot' | 'ordinal'>;
  /** Add net/gross ratio, gross per room and gross minus net. */
  engineered: boolean;
  /** Add the floor number parsed from FloorLocation. */
  floorNumber: boolean;
  /** Add the ad month (AdCreationDate as a number of months) when the training rows have dates. */
  adMonth: boolean;
  /** Add 0/1 missing indicators for numerics that had missing training values. */
  missingIndicators: boolean;
  /** Target statistic: `mean` = smoothed mean class index (the classes are ordered low < medium < high), one column; `probs` = smoothed probability of each class but the middle one. */
  targetStat: 'mean' | 'probs';
  /** What a cross's target encoding is smoothed towards: the overall class mix, or its first key's. */
  targetPrior: 'global' | 'first-key';
  /** Pseudo-rows of the prior added to each category's counts (m-estimate). */
  targetSmoothing: number;
  /** Folds of the out-of-fold target encoding of training rows. */
  targetFolds: number;
  /** Buckets per hashed key. */
  hashBuckets: number;
  /** Quantile bins of gross_bin / net_bin. */
  sizeBins: number;
  /** Number of classes of the labels (class indices 0 .. nClasses-1). */
  nClasses: number;
  /** Seed of the out-of-fold assignment. */
  seed: number;
}

/**
 * Defaults chosen by stratified 5-fold CV on the 20,124 real 2022 listings
 * (bench/feature-comparison.ts; table in the model notes). Measured with the
 * project's forest, 100 trees: the old recipe (one-hot, median imputation)
 * 0.806 accuracy / 0.811 macro-F1; these defaults 0.8145 / 0.8183. Target
 * encoding of the four low-cardinality columns ties one-hot (0.8146) with 17
 * instead of 129 columns; the five target-encoded district crosses add about
 * +0.013 over none; the engineered ratios +0.004 and the floor number +0.003
 * (ablations). Hashing or frequency for the crosses, class-probability
 * encodings, other smoothing, bins or fold counts measured no better.
 * address / AdCreationDate / Subscription are absent from the real file, so
 * their encoding (target, like the rest) could not be measured there.
 */
export const DEFAULT_PIPELINE_OPTIONS: Readonly<PipelineOptions> = Object.freeze({
  lowCardinality: 'target',
  highCardinality: 'target',
  crosses: [
    ['district', 'HeatingType'],
    ['district', 'FloorLocation'],
    ['district', 'rooms'],
    ['district', 'age'],
    ['district', 'gross_bin'],
  ],
  crossEncoding: 'target',
  engineered: true,
  floorNumber: true,
  adMonth: true,
  missingIndicators: true,
  targetStat: 'mean',
  targetPrior: 'global',
  targetSmoothing: 10,
  targetFolds: 5,
  hashBuckets: 32,
  sizeBins: 10,
  nClasses: 3,
  seed: 42,
} satisfies PipelineOptions);

const LOW_CARDINALITY_KEYS: readonly CategoryKey[] = [
  'district',
  'HeatingType',
  'StructureType',
  'FloorLocation',
];
const HIGH_CARDINALITY_KEYS: readonly CategoryKey[] = ['address', 'AdCreationDate', 'Subscription'];

// ---------------------------------------------------------------------------
// Parsing helpers used by the engineered columns
// ---------------------------------------------------------------------------

/**
 * The floor number a FloorLocation label stands for, or NaN when it names no
 * level (roof floors, "middle"). Ground-level labels are 0, raised entrances
 * 0.5, basements negative, ranges their midpoint ("10-20. Kat" -> 15), "40+" 40.
 */
export function floorNumber(label: string | null): number {
  if (label === null) return Number.NaN;
  const text = foldTurkish(label.normalize('NFC').trim()).replace(/\s+/g, ' ');
  const basement = /^kot\s*(\d+)/.exec(text);
  if (basement) return -Number(basement[1]);
  const range = /^(\d+)\s*-\s*(\d+)\s*\.?\s*kat/.exec(text);
  if (range) return (Number(range[1]) + Number(range[2])) / 2;
  const plus = /^(\d+)\s*\+\s*\.?\s*kat/.exec(text);
  if (plus) return Number(plus[1]);
  const level = /^(-?\d+)\s*\.?\s*kat/.exec(text);
  if (level) return Number(level[1]);
  return NAMED_FLOORS[text] ?? Number.NaN;
}

/** Floor labels without a number (Turkish folded to ASCII, lower case), by level. */
const NAMED_FLOORS: Record<string, number> = {
  'bahce kati': 0,
  'bahce dublex': 0,
  'bahce dubleks': 0,
  'duz giris': 0,
  'giris kati': 0,
  'zemin kat': 0,
  'villa tipi': 0,
  mustakil: 0,
  'yuksek giris': 0.5,
  'asma kat': 0.5,
  'yuksek bodrum': -0.5,
  'yari bodrum': -0.5,
  'tam bodrum': -1,
  'bodrum kat': -1,
  bodrum: -1,
};

/** Months since year 0 of a `YYYY-MM...` date, or NaN. */
export function adMonth(date: string | null): number {
  if (date === null) return Number.NaN;
  const match = /^\s*(\d{4})-(\d{1,2})/.exec(date);
  if (!match) return Number.NaN;
  const month = Number(match[2]);
  if (month < 1 || month > 12) return Number.NaN;
  return Number(match[1]) * 12 + month - 1;
}

// ---------------------------------------------------------------------------
// Serialized state
// ---------------------------------------------------------------------------

/** A fitted categorical key. Index 0 is "missing or unseen"; known values are 1..n. */
export type KeyJSON =
  | { name: CategoryKey; source: 'text'; field: TextField; values: string[] }
  | { name: CategoryKey; source: 'value'; field: NumericField; values: number[] }
  | { name: CategoryKey; source: 'bins'; field: NumericField; edges: number[] };

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

/** The pipeline as stored in a bundle. */
export interface PipelineJSON {
  kind: typeof PIPELINE_KIND;
  formatVersion: number;
  options: PipelineOptions;
  keys: KeyJSON[];
  blocks: BlockJSON[];
  featureNames: string[];
}

// ---------------------------------------------------------------------------
// Runtime pieces
// ---------------------------------------------------------------------------

/** Per-row scratch shared by the blocks: raw and imputed numerics, key indices. */
interface RowContext {
  record: ListingRecord;
  raw: Float64Array;
  imputed: Float64Array;
  keyIndex: Int32Array;
}

/** A fitted key that maps a record to 0 (missing/unseen) or 1..cardinality. */
class Key {
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

interface Block {
  readonly width: number;
  readonly names: string[];
  write(ctx: RowContext, out: Float64Array, offset: number): void;
  toJSON(): BlockJSON;
}

class NumericBlock implements Block {
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

class EngineeredBlock implements Block {
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
class ParsedTextBlock implements Block {
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

class OneHotBlock implements Block {
  readonly width: number;
  readonly names: string[];

  constructor(
    private readonly key: Key,
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
class TableBlock implements Block {
  readonly width: number;
  readonly names: string[];
  private readonly slots: Int32Array;
  private readonly strides: Int32Array;
  private readonly table: Float64Array;

  constructor(
    private readonly json: Extract<BlockJSON, { type: 'table' }>,
    keys: Key[],
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
class HashBlock implements Block {
  readonly width: number;
  readonly names: string[];

  constructor(
    private readonly json: Extract<BlockJSON, { type: 'hash' }>,
    private readonly keys: Key[],
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

/** Mixed-radix strides of a cross: the first key varies slowest. */
function cellStrides(keys: Key[]): number[] {
  const strides = new Array<number>(keys.length).fill(1);
  for (let k = keys.length - 2; k >= 0; k--) strides[k] = strides[k + 1]! * (keys[k + 1]!.cardinality + 1);
  return strides;
}

function cellCount(keys: Key[]): number {
  return keys.reduce((n, k) => n * (k.cardinality + 1), 1);
}

function tableColumnNames(encoding: 'ordinal' | 'frequency' | 'target', options: PipelineOptions): string[] {
  if (encoding === 'ordinal') return ['ordinal'];
  if (encoding === 'frequency') return ['freq'];
  if (options.targetStat === 'mean') return ['te_mean'];
  return targetProbClasses(options.nClasses).map((c) => `te_p${c}`);
}

/** Classes whose probability a `probs` target encoding outputs: all but the middle one (redundant). */
function targetProbClasses(nClasses: number): number[] {
  if (nClasses <= 2) return [nClasses - 1];
  const middle = Math.floor((nClasses - 1) / 2);
  return Array.from({ length: nClasses }, (_, c) => c).filter((c) => nClasses % 2 === 0 || c !== middle);
}

// ---------------------------------------------------------------------------
// The pipeline
// ---------------------------------------------------------------------------

/** A fitted feature pipeline. Build with `FeaturePipeline.fit` / `fitTransform` or `fromJSON`. */
export class FeaturePipeline {
  /** Column names of the rows this pipeline writes. */
  readonly featureNames: string[];
  /** Number of columns of a transformed row. */
  readonly nFeatures: number;
  readonly options: PipelineOptions;
  private readonly keys: Key[];
  private readonly blocks: Block[];
  private readonly offsets: Int32Array;
  private readonly medians: Float64Array;
  private readonly ctx: RowContext;

  private constructor(options: PipelineOptions, keys: KeyJSON[], blocks: BlockJSON[]) {
    this.options = options;
    this.keys = keys.map((k) => new Key(k));
    const slotOf = (name: CategoryKey): number => {
      const slot = this.keys.findIndex((k) => k.name === name);
      if (slot < 0) throw new BundleFormatError(`pipeline block uses key ${name}, which is not fitted`);
      return slot;
    };
    const numeric = blocks.find((b) => b.type === 'numeric');
    if (!numeric) throw new BundleFormatError('pipeline has no numeric block');
    this.medians = Float64Array.from(numeric.medians);
    this.blocks = blocks.map((json): Block => {
      switch (json.type) {
        case 'numeric':
          return new NumericBlock(json);
        case 'engineered':
          return new EngineeredBlock();
        case 'floor-number':
          return new ParsedTextBlock(json, 'FloorLocation', floorNumber);
        case 'ad-month':
          return new ParsedTextBlock(json, 'AdCreationDate', adMonth);
        case 'onehot':
          return new OneHotBlock(this.keys[slotOf(json.key)]!, slotOf(json.key));
        case 'table': {
          const slots = json.keys.map(slotOf);
          const keysOfBlock = slots.map((s) => this.keys[s]!);
          if (json.table.length !== cellCount(keysOfBlock) * json.width) {
            throw new BundleFormatError(`pipeline table of ${json.keys.join('x')} has the wrong size`);
          }
          return new TableBlock(json, keysOfBlock, slots, tableColumnNames(json.encoding, options));
        }
        case 'hash': {
          const slots = json.keys.map(slotOf);
          return new HashBlock(
            json,
            slots.map((s) => this.keys[s]!),
            slots,
          );
        }
        default:
          throw new BundleFormatError(
            `unknown pipeline block type ${String((json as { type: unknown }).type)}`,
          );
      }
    });
    const offsets: number[] = [];
    let width = 0;
    for (const block of this.blocks) {
      offsets.push(width);
      width += block.width;
    }
    this.offsets = Int32Array.from(offsets);
    this.nFeatures = width;
    this.featureNames = this.blocks.flatMap((b) => b.names);
    this.ctx = {
      record: null as unknown as ListingRecord,
      raw: new Float64Array(NUMERIC_FIELDS.length),
      imputed: new Float64Array(NUMERIC_FIELDS.length),
      keyIndex: new Int32Array(this.keys.length),
    };
  }

  /**
   * Fits the pipeline on training rows.
   * @param records training listings
   * @param labels class index per record (0 .. nClasses-1), used by target encodings
   * @param options overrides of DEFAULT_PIPELINE_OPTIONS
   */
  static fit(
    records: readonly ListingRecord[],
    labels: ArrayLike<number>,
    options: Partial<PipelineOptions> = {},
  ): FeaturePipeline {
    return FeaturePipeline.fitTransform(records, labels, options).pipeline;
  }

  /**
   * Fits the pipeline and transforms the training rows in one pass. Target-encoded
   * columns of these rows hold out-of-fold values (use this, not `fit` then
   * `transform`, to build the forest's training matrix).
   */
  static fitTransform(
    records: readonly ListingRecord[],
    labels: ArrayLike<number>,
    options: Partial<PipelineOptions> = {},
  ): { pipeline: FeaturePipeline; data: Dataset } {
    const settings = resolveOptions(options);
    if (records.length !== labels.length) {
      throw new InvalidArgumentError(`${records.length} records but ${labels.length} labels`);
    }
    if (records.length === 0) throw new InvalidArgumentError('cannot fit a feature pipeline on 0 records');
    for (let i = 0; i < labels.length; i++) {
      const c = labels[i]!;
      if (!Number.isInteger(c) || c < 0 || c >= settings.nClasses) {
        throw new InvalidArgumentError(
          `labels[${i}] must be a class index in 0..${settings.nClasses - 1}, got ${c}`,
        );
      }
    }
    const fitted = new PipelineFitter(records, labels, settings).run();
    const pipeline = new FeaturePipeline(settings, fitted.keys, fitted.blocks);
    const data = pipeline.transform(records);
    // Replace the target-encoded columns of the training rows by their out-of-fold values.
    for (const { blockIndex, values, width } of fitted.outOfFold) {
      const offset = pipeline.offsets[blockIndex]!;
      for (let i = 0; i < data.nRows; i++) {
        for (let j = 0; j < width; j++) data.data[i * data.nFeatures + offset + j] = values[i * width + j]!;
      }
    }
    return { pipeline, data };
  }

  /** Rebuilds a pipeline from `toJSON()` output. BundleFormatError on another kind or version. */
  static fromJSON(json: PipelineJSON): FeaturePipeline {
    if (json?.kind !== PIPELINE_KIND) {
      throw new BundleFormatError(
        `not a feature pipeline: got kind ${String(json?.kind)}, expected ${PIPELINE_KIND}`,
      );
    }
    if (json.formatVersion !== PIPELINE_FORMAT_VERSION) {
      throw new BundleFormatError(
        `feature pipeline format: got v${String(json.formatVersion)}, expected v${PIPELINE_FORMAT_VERSION}`,
      );
    }
    const pipeline = new FeaturePipeline(resolveOptions(json.options), json.keys, json.blocks);
    if (pipeline.nFeatures !== json.featureNames.length) {
      throw new BundleFormatError(
        `feature pipeline declares ${json.featureNames.length} features but its blocks make ${pipeline.nFeatures}`,
      );
    }
    return pipeline;
  }

  toJSON(): PipelineJSON {
    return {
      kind: PIPELINE_KIND,
      formatVersion: PIPELINE_FORMAT_VERSION,
      options: this.options,
      keys: this.keys.map((k) => k.json),
      blocks: this.blocks.map((b) => b.toJSON()),
      featureNames: this.featureNames,
    };
  }

  /**
   * One record to one row of `nFeatures` values, written into `out` (allocated
   * when absent) and returned. Allocation-free for categories seen in training.
   * Not re-entrant (it uses per-pipeline scratch), which is fine in one thread.
   */
  transformOne(record: ListingRecord, out: Float64Array = new Float64Array(this.nFeatures)): Float64Array {
    const ctx = this.ctx;
    ctx.record = record;
    for (let j = 0; j < NUMERIC_FIELDS.length; j++) {
      const v = record[NUMERIC_FIELDS[j]!];
      const x = typeof v === 'number' && Number.isFinite(v) ? v : Number.NaN;
      ctx.raw[j] = x;
      ctx.imputed[j] = Number.isNaN(x) ? this.medians[j]! : x;
    }
    for (let k = 0; k < this.keys.length; k++) ctx.keyIndex[k] = this.keys[k]!.index(ctx);
    for (let b = 0; b < this.blocks.length; b++) this.blocks[b]!.write(ctx, out, this.offsets[b]!);
    return out;
  }

  /** Many records to a Dataset (target encodings from all training rows, not out-of-fold). */
  transform(records: readonly ListingRecord[]): Dataset {
    const width = this.nFeatures;
    const data = new Float64Array(records.length * width);
    for (let i = 0; i < records.length; i++) {
      this.transformOne(records[i]!, data.subarray(i * width, (i + 1) * width));
    }
    return { data, nRows: records.length, nFeatures: width, featureNames: [...this.featureNames] };
  }
}

function resolveOptions(options: Partial<PipelineOptions>): PipelineOptions {
  const merged: PipelineOptions = { ...DEFAULT_PIPELINE_OPTIONS, ...options };
  for (const cross of merged.crosses) {
    if (cross.length < 2)
      throw new InvalidArgumentError(`a cross needs at least two keys, got [${cross.join(', ')}]`);
    for (const key of cross) {
      if (!(CATEGORY_KEYS as readonly string[]).includes(key)) {
        throw new InvalidArgumentError(
          `unknown cross key "${key}", expected one of ${CATEGORY_KEYS.join(', ')}`,
        );
      }
    }
  }
  const positiveInt = (name: keyof PipelineOptions, min: number) => {
    const v = merged[name] as number;
    if (!Number.isInteger(v) || v < min)
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got ${v}`);
  };
  positiveInt('targetFolds', 2);
  positiveInt('hashBuckets', 1);
  positiveInt('sizeBins', 2);
  positiveInt('nClasses', 2);
  if (!(merged.targetSmoothing >= 0)) {
    throw new InvalidArgumentError(`targetSmoothing must be >= 0, got ${merged.targetSmoothing}`);
  }
  return merged;
}

/** The fitting procedure, kept apart from the fitted (serving) object. */
class PipelineFitter {
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

  run(): {
    keys: KeyJSON[];
    blocks: BlockJSON[];
    outOfFold: { blockIndex: number; values: Float64Array; width: number }[];
  } {
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
    const keyObjects = keys.map((k) => new Key(k));
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
    const outOfFold: { blockIndex: number; values: Float64Array; width: number }[] = [];
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

function keyCardinality(json: KeyJSON): number {
  return json.source === 'bins' ? json.edges.length + 1 : json.values.length;
}

/** Median of the non-NaN values, or undefined when there are none. */
function median(values: Float64Array): number | undefined {
  const present = values.filter((v) => !Number.isNaN(v)).sort();
  if (present.length === 0) return undefined;
  const mid = present.length >> 1;
  return present.length % 2 === 1 ? present[mid]! : (present[mid - 1]! + present[mid]!) / 2;
}
