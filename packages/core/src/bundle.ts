/**
 * The model bundle: one self-describing JSON file holding everything serving
 * needs (label names, fitted feature pipeline, forest) plus how it was trained
 * (metadata). Training writes it; the API, the CLI and the registry load it
 * without any training state, through the same pipeline code, so there is no
 * train/serve skew.
 *
 * Layout (format version 1):
 *   { kind: 'housing-price-model', formatVersion: 1, labels: ['low','medium','high'],
 *     pipeline: PipelineJSON, forest: SerializedForest, metadata: BundleMetadata }
 * A loader refuses another kind or version with BundleFormatError ("got vX,
 * expected vY"), and a pipeline and forest that disagree on the feature count.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PRICE_CATEGORIES, type PriceCategory } from './constants.js';
import { BundleFormatError, InvalidDataError } from './errors.js';
import { RandomForest, type SerializedForest } from './forest.js';
import type { ListingRecord } from './listing.js';
import type { ClassificationMetrics } from './metrics.js';
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
  metadata: BundleMetadata;
}

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
 * A servable model built from a bundle: pipeline + forest. `predictProba` is
 * the allocation-free hot path; `predict` wraps it in the API's answer shape.
 * One instance is not re-entrant (shared scratch rows), which suits Node's
 * single thread.
 */
export class Model {
  readonly labels: readonly PriceCategory[];
  readonly metadata: BundleMetadata;
  readonly pipeline: FeaturePipeline;
  readonly forest: RandomForest;
  private readonly row: Float64Array;
  private readonly proba: Float64Array;

  private constructor(bundle: ModelBundle, pipeline: FeaturePipeline, forest: RandomForest) {
    this.labels = bundle.labels;
    this.metadata = bundle.metadata;
    this.pipeline = pipeline;
    this.forest = forest;
    this.row = new Float64Array(pipeline.nFeatures);
    this.proba = new Float64Array(forest.nClasses);
  }

  /** Builds the model; BundleFormatError when the parts are invalid or disagree. */
  static fromBundle(bundle: ModelBundle): Model {
    const checked = parseBundle(bundle);
    const pipeline = FeaturePipeline.fromJSON(checked.pipeline);
    const forest = RandomForest.fromJSON(checked.forest);
    if (forest.nFeatures !== pipeline.nFeatures) {
      throw new BundleFormatError(
        `model bundle is inconsistent: the pipeline writes ${pipeline.nFeatures} features, the forest expects ${forest.nFeatures}`,
      );
    }
    if (forest.nClasses !== checked.labels.length) {
      throw new BundleFormatError(
        `model bundle is inconsistent: ${checked.labels.length} labels, the forest has ${forest.nClasses} classes`,
      );
    }
    return new Model(checked, pipeline, forest);
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
    // Leaf shares can carry rounding residue just outside [0, 1] (-1e-16,
    // 1 + 2e-16); callers (and the API's response check) expect [0, 1].
    for (let c = 0; c < p.length; c++) p[c] = Math.min(1, Math.max(0, p[c]!));
    return p;
  }

  /** The category and probabilities of one listing. */
  predict(listing: ListingRecord): Prediction {
    const p = this.predictProba(listing, this.proba);
    let best = 0;
    for (let c = 1; c < p.length; c++) if (p[c]! > p[best]!) best = c;
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
    const p = this.forest.predictProbaBatch(this.pipeline.transform(listings));
    for (let i = 0; i < p.length; i++) p[i] = Math.min(1, Math.max(0, p[i]!));
    return p;
  }
}
