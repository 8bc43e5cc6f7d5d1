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
 * The parts: options.ts (settings and defaults), fitter.ts (fitting from
 * training rows), category-key.ts (categorical keys and crosses), block.ts with
 * numeric-blocks.ts and categorical-blocks.ts (the column groups), derived.ts
 * (floor number, ad month); this file holds the fitted pipeline.
 *
 * Serving: `transformOne` reads a record and writes one row without allocating
 * (for categories seen in training; an unseen spelling costs one normalised
 * lookup). Unseen or missing categories never throw: they map to the "unknown"
 * slot, whose encoding is the prior (target), 0 (frequency, one-hot) or -1 (ordinal).
 */
import type { Dataset } from './dataset.js';
import { BundleFormatError, InvalidArgumentError } from '../errors.js';
import { NUMERIC_FIELDS, type ListingRecord } from '../listing/listing.js';
import type { Block, BlockJSON, RowContext } from './block.js';
import { HashBlock, OneHotBlock, TableBlock, tableColumnNames } from './categorical-blocks.js';
import { cellCount, FittedKey, type KeyJSON } from './category-key.js';
import { adMonth, floorNumber } from './derived.js';
import { PipelineFitter } from './fitter.js';
import { EngineeredBlock, NumericBlock, ParsedTextBlock } from './numeric-blocks.js';
import { resolvePipelineOptions, type CategoryKey, type PipelineOptions } from './options.js';

export const PIPELINE_KIND = 'housing-feature-pipeline';
export const PIPELINE_FORMAT_VERSION = 1;

/** The pipeline as stored in a bundle. */
export interface PipelineJSON {
  kind: typeof PIPELINE_KIND;
  formatVersion: number;
  options: PipelineOptions;
  keys: KeyJSON[];
  blocks: BlockJSON[];
  featureNames: string[];
}

/** A fitted feature pipeline. Build with `FeaturePipeline.fit` / `fitTransform` or `fromJSON`. */
export class FeaturePipeline {
  /** Column names of the rows this pipeline writes. */
  readonly featureNames: string[];
  /** Number of columns of a transformed row. */
  readonly nFeatures: number;
  readonly options: PipelineOptions;
  private readonly keys: FittedKey[];
  private readonly blocks: Block[];
  private readonly offsets: Int32Array;
  private readonly medians: Float64Array;
  private readonly ctx: RowContext;

  private constructor(options: PipelineOptions, keys: KeyJSON[], blocks: BlockJSON[]) {
    this.options = options;
    this.keys = keys.map((k) => new FittedKey(k));
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
    const settings = resolvePipelineOptions(options);
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
    const pipeline = new FeaturePipeline(resolvePipelineOptions(json.options), json.keys, json.blocks);
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
