/**
 * The servable model: a bundle's parts (pipeline, forest, and when present the
 * boosting and the listing memory) built once and blended by one rule.
 */
import type { PriceCategory } from '../constants.js';
import { BundleFormatError } from '../errors.js';
import type { ListingRecord } from '../listing/listing.js';
import { FeaturePipeline } from '../features/pipeline.js';
import { GradientBoosting } from './boosting/estimator.js';
import {
  loadBundle,
  parseBundle,
  type BlendWeights,
  type BundleMetadata,
  type ModelBundle,
} from './bundle.js';
import { RandomForest } from './forest/random-forest.js';
import { ListingMemory } from './memory.js';
import { argmaxRow } from './metrics.js';

/**
 * How the parts are weighed when a bundle does not say: the forest twice the
 * boosting, and the memory as much as the trees together. Training writes
 * these weights into every bundle it makes (chosen on the real listings' CV
 * folds, docs/model.md); forest-only bundles from before the blend have no
 * boosting or memory, so the weights do not change their answers.
 */
export const DEFAULT_BLEND: Readonly<BlendWeights> = Object.freeze({ forest: 2, boosting: 1, memory: 1 });

/** One prediction as the API and the CLI return it. */
export interface Prediction {
  price_category: PriceCategory;
  /** Probability per category, summing to 1. */
  probabilities: Record<PriceCategory, number>;
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
