/**
 * The model bundle's file format: one self-describing JSON file holding
 * everything serving needs (label names, fitted feature pipeline, forest, and
 * optionally a gradient-boosted model and a listing memory blended with it)
 * plus how it was trained (metadata). Training writes it; the API, the CLI and
 * the registry load it without any training state, and `Model` (model.ts)
 * serves it through the same pipeline code, so there is no train/serve skew.
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
import { PRICE_CATEGORIES, type PriceCategory } from '../constants.js';
import { BundleFormatError, InvalidDataError } from '../errors.js';
import type { SerializedBoosting } from './boosting/format.js';
import type { SerializedForest } from './forest/format.js';
import type { SerializedMemory } from './memory.js';
import type { ClassificationMetrics } from './metrics.js';
import type { PipelineJSON } from '../features/pipeline.js';

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
  /**
   * The price cut points (TL) of the labels the model learned (see priceCategoryOf): how a sold price
   * reported as feedback becomes a true category for this model. Absent in bundles trained without prices.
   */
  priceThresholds?: { low: number; high: number };
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
  /** How the parts are weighted (default: DEFAULT_BLEND in model.ts). */
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
