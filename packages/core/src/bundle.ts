/**
 * The model bundle: one self-describing JSON file holding everything serving
 * needs (label names, fitted feature pipeline, forest, and optionally a
 * gradient-boosted model and a listing memory blended with it) plus how it
 * was trained (metadata). Training writes it; the API, the CLI and the
 * registry load it without any training state, through the same pipeline
 * code, so there is no train/serve skew.
 *
 * Layout (format version 1):
 *   { kind: 'housing-price-model', formatVersion: 1, labels: ['low','medium','high'],
 *     pipeline: PipelineJSON, forest: SerializedForest,
 *     boosting?: SerializedBoosting, memory?: SerializedMemory, blend?: BlendWeights,
 *     metadata: BundleMetadata }
 * A bundle without the optional parts is served by its forest alone. A loader
 * refuses another kind or version with BundleFormatError ("got vX, expected
 * vY"), and parts that disagree on the feature or class count.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PRICE_CATEGORIES, type PriceCategory } from './constants.js';
import { BundleFormatError, InvalidDataError } from './errors.js';
import { GradientBoosting, type SerializedBoosting } from './boosting.js';
import { RandomForest, type SerializedForest } from './forest.js';
import type { ListingRecord } from './listing.js';
import { ListingMemory, type SerializedMemory } from './memory.js';
import { argmaxRow, type ClassificationMetrics } from './metrics.js';
import { FeaturePipeline, type PipelineJSON } from './pipeline.js';

export const BUNDLE_KIND = 'housing-price-model';
export const BUNDLE_FORMAT_VERSION = 1;

/** How a bundle was trained. Extra keys are allowed (and kept) for later additions. */
export interface BundleMetadata {
  /** ISO 8601 time the training finished. */
  trainedAt: string;
  /** Rows the pipeline and forest were fitted on. */
  nTrain: number;
  /** Rows the metrics were computed on. */
  nEval: number;
  /** Forest metrics on the evaluation rows. */
  metrics: ClassificationMetrics;
  /** Logistic-regression baseline metrics on the same rows, when computed. */
  baselineMetrics?: ClassificationMetrics | null;
  /** Seed of the split, the pipeline folds and the forest. */
  seed: number;
  /** Trees in the forest. */
  trees: number;
  /** sha256 of the training listings (see `listingsFingerprint`). */
  dataFingerprint: string;
  /** Wall time of fitting the pipeline and the forest, seconds. */
  fitSeconds?: number;
  /** Where the evaluation rows came from: a stratified hold-out of the data or a separate file. */
  evaluation?: 'holdout' | 'eval-set';
  [key: string]: unknown;
}

/** The parsed bundle file. */
export interface ModelBundle {
  kind: typeof BUNDLE_KIND;
  formatVersion: typeof BUNDLE_FORMAT_VERSION;
  /** Class names in probability order: always PRICE_CATEGORIES. */
  labels: PriceCategory[];
  pipeline: PipelineJSON;
  forest: SerializedForest;
  /** Gradient-boosted trees on the same features, averaged with the forest. */
  boosting?: SerializedBoosting;
  /** Label counts of exact training duplicates, blended in for listings seen in training. */
  memory?: SerializedMemory;
  /** How the parts are weighted (default: forest 1, boosting 1, memory 1). */
  blend?: BlendWeights;
  metadata: BundleMetadata;
}

/**
 * Weights of the parts of a model. The trees' probabilities are the weighted
 * mean of the forest's and the boosting's; for a listing the memory knows,
 * that mean is then averaged with the memory's class shares, the memory
 * weighted by `memory` and the trees by 1.
 */
export interface BlendWeights {
  forest: number;
  boosting: number;
  memory: number;
}

export const DEFAULT_BLEND: Readonly<BlendWeights> = Object.freeze({ forest: 1, boosting: 1, memory: 1 });

/** One prediction as the API and the CLI return it. */
export interface Prediction {
  price_category: PriceCategory;
  /** Probability per category, summing to 1. */
  probabilities: Record<PriceCategory, number>;
}

/**
 * Checks a parsed JSON value is a bundle this code can serve and returns it
 * typed. Throws BundleFormatError naming what is wrong.
 * @param source how to name the bundle in messages (a file path)
 */
export function parseBundle(json: unknown, source = 'model bundle'): ModelBundle {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new BundleFormatError(`${source} is not a model bundle: expected a JSON object`);
  }
  const b = json as Record<string, unknown>;
  if (b.kind !== BUNDLE_KIND) {
    throw new BundleFormatError(
      `${source} is not a model bundle: got kind ${JSON.stringify(b.kind) ?? 'undefined'}, expected "${BUNDLE_KIND}"`,
    );
  }
  if (b.formatVersion !== BUNDLE_FORMAT_VERSION) {
    throw new BundleFormatError(
      `${source} has an unsupported format: got v${String(b.formatVersion)}, expected v${BUNDLE_FORMAT_VERSION}`,
    );
  }
  if (!Array.isArray(b.labels) || b.labels.join(',') !== PRICE_CATEGORIES.join(',')) {
    throw new BundleFormatError(
      `${source} labels: got ${JSON.stringify(b.labels)}, expected ${JSON.stringify(PRICE_CATEGORIES)}`,
    );
  }
  for (const part of ['pipeline', 'forest', 'metadata'] as const) {
    if (b[part] === null || typeof b[part] !== 'object') {
      throw new BundleFormatError(`${source} has no ${part} object`);
    }
  }
  for (const part of ['boosting', 'memory', 'blend'] as const) {
    if (b[part] !== undefined && (b[part] === null || typeof b[part] !== 'object')) {
      throw new BundleFormatError(`${source}: ${part} must be an object when present`);
    }
  }
  if (b.blend !== undefined) {
    const blend = b.blend as Record<string, unknown>;
    for (const key of ['forest', 'boosting', 'memory'] as const) {
      const w = blend[key];
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
        throw new BundleFormatError(
          `${source}: blend.${key} must be a number >= 0, got ${JSON.stringify(w)}`,
        );
      }
    }
    if ((blend.forest as number) + (b.boosting === undefined ? 0 : (blend.boosting as number)) <= 0) {
      throw new BundleFormatError(`${source}: blend gives the trees no weight`);
    }
  }
  return json as ModelBundle;
}

/**
 * Writes a bundle as JSON, atomically (a temporary file renamed over the
 * target), so a reader never sees half a file. Creates missing folders.
 */
export async function saveBundle(path: string, bundle: ModelBundle): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${randomUUID()}.tmp`;
  try {
    await writeFile(temporary, JSON.stringify(bundle), 'utf8');
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Reads and checks a bundle file. InvalidDataError when the file is missing or
 * not JSON; BundleFormatError when it is JSON but not a bundle of this format.
 */
export async function loadBundle(path: string): Promise<ModelBundle> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(error)})`;
    throw new InvalidDataError(`model bundle ${path} ${problem}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new BundleFormatError(`model bundle ${path} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseBundle(json, path);
}

/**
 * A servable model built from a bundle: pipeline + forest (+ boosting and
 * memory when the bundle has them). `predictProba` is the allocation-free hot
 * path; `predict` wraps it in the API's answer shape. One instance is not
 * re-entrant (shared scratch rows), which suits Node's single thread.
 */
export class Model {
  readonly labels: readonly PriceCategory[];
  readonly metadata: BundleMetadata;
  readonly pipeline: FeaturePipeline;
  readonly forest: RandomForest;
  readonly boosting: GradientBoosting | null;
  readonly memory: ListingMemory | null;
  readonly blend: Readonly<BlendWeights>;
  private readonly row: Float64Array;
  private readonly proba: Float64Array;
  private readonly partial: Float64Array;
  private readonly shares: Float64Array;

  private constructor(
    bundle: ModelBundle,
    pipeline: FeaturePipeline,
    forest: RandomForest,
    boosting: GradientBoosting | null,
    memory: ListingMemory | null,
  ) {
    this.labels = bundle.labels;
    this.metadata = bundle.metadata;
    this.pipeline = pipeline;
    this.forest = forest;
    this.boosting = boosting;
    this.memory = memory;
    this.blend = { ...DEFAULT_BLEND, ...bundle.blend };
    this.row = new Float64Array(pipeline.nFeatures);
    this.proba = new Float64Array(forest.nClasses);
    this.partial = new Float64Array(forest.nClasses);
    this.shares = new Float64Array(forest.nClasses);
  }

  /** Builds the model; BundleFormatError when the parts are invalid or disagree. */
  static fromBundle(bundle: ModelBundle): Model {
    const checked = parseBundle(bundle);
    const pipeline = FeaturePipeline.fromJSON(checked.pipeline);
    const forest = RandomForest.fromJSON(checked.forest);
    const boosting = checked.boosting ? GradientBoosting.fromJSON(checked.boosting) : null;
    const memory = checked.memory ? ListingMemory.fromJSON(checked.memory) : null;
    const parts: [string, { nFeatures?: number; nClasses: number } | null][] = [
      ['forest', forest],
      ['boosting', boosting],
      ['memory', memory],
    ];
    for (const [name, part] of parts) {
      if (part === null) continue;
      if (part.nFeatures !== undefined && part.nFeatures !== pipeline.nFeatures) {
        throw new BundleFormatError(
          `model bundle is inconsistent: the pipeline writes ${pipeline.nFeatures} features, the ${name} expects ${part.nFeatures}`,
        );
      }
      if (part.nClasses !== checked.labels.length) {
        throw new BundleFormatError(
          `model bundle is inconsistent: ${checked.labels.length} labels, the ${name} has ${part.nClasses} classes`,
        );
      }
    }
    return new Model(checked, pipeline, forest, boosting, memory);
  }

  /** Loads a bundle file and builds the model. */
  static async load(path: string): Promise<Model> {
    return Model.fromBundle(await loadBundle(path));
  }

  /**
   * Class probabilities of one listing (in `labels` order) written into `out`
   * (allocated when absent). No allocation with `out` for known categories.
   */
  predictProba(listing: ListingRecord, out?: Float64Array): Float64Array {
    this.pipeline.transformOne(listing, this.row);
    const p = this.forest.predictProba(this.row, out ?? new Float64Array(this.labels.length));
    const q = this.boosting ? this.boosting.predictProba(this.row, this.partial) : null;
    this.combine(p, q, 0, listing);
    return p;
  }

  /** The category and probabilities of one listing. */
  predict(listing: ListingRecord): Prediction {
    const p = this.predictProba(listing, this.proba);
    const best = argmaxRow(p, 0, p.length);
    const probabilities = {} as Record<PriceCategory, number>;
    this.labels.forEach((label, c) => (probabilities[label] = p[c]!));
    return { price_category: this.labels[best]!, probabilities };
  }

  /** Predictions for many listings, in order. */
  predictBatch(listings: readonly ListingRecord[]): Prediction[] {
    return listings.map((listing) => this.predict(listing));
  }

  /** Row-major class probabilities of many listings (`listings.length * labels.length`), for metrics. */
  predictProbaBatch(listings: readonly ListingRecord[]): Float64Array {
    const X = this.pipeline.transform(listings);
    const p = this.forest.predictProbaBatch(X);
    const q = this.boosting ? this.boosting.predictProbaBatch(X) : null;
    const k = this.labels.length;
    listings.forEach((listing, r) => this.combine(p, q, r * k, listing));
    return p;
  }

  /**
   * The blend, in place on the row at `offset` of `p` (forest probabilities),
   * with `q` (boosting probabilities, same layout, or null) and the memory's
   * shares for `listing`. One rule for one listing and for many, so the
   * metrics recorded at training are those of the answers served.
   */
  private combine(p: Float64Array, q: Float64Array | null, offset: number, listing: ListingRecord): void {
    const k = this.labels.length;
    const { forest: wf, boosting: wb, memory: wm } = this.blend;
    if (q) {
      const scale = 1 / (wf + wb);
      for (let c = offset; c < offset + k; c++) p[c] = (wf * p[c]! + wb * q[c]!) * scale;
    }
    const shares = this.shares;
    if (this.memory && wm > 0 && this.memory.lookup(listing, shares)) {
      const scale = 1 / (1 + wm);
      for (let c = 0; c < k; c++) p[offset + c] = (p[offset + c]! + wm * shares[c]!) * scale;
    }
    // Leaf shares can carry rounding residue just outside [0, 1] (-1e-16,
    // 1 + 2e-16); callers (and the API's response check) expect [0, 1].
    for (let c = offset; c < offset + k; c++) p[c] = Math.min(1, Math.max(0, p[c]!));
  }
}
