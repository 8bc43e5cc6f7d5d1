import { PRICE_CATEGORIES, type PriceCategory } from '@mlops/core';
import { EMPTY_LISTING, EXAMPLE_LISTING, type ListingRecord } from '@mlops/core/listing';

/** Class probabilities of one prediction; they sum to 1. */
export interface ClassProbabilities {
  low: number;
  medium: number;
  high: number;
}

/** One prediction as the model bundle's `Model.predict` returns it. */
export interface Prediction {
  price_category: PriceCategory;
  probabilities: ClassProbabilities;
}

/** Price cut points (TL): a price <= low is `low`, <= high is `medium`, above is `high` (priceCategoryOf). */
export interface PriceThresholds {
  low: number;
  high: number;
}

/** What the service needs from a loaded model: one listing in, one prediction out. */
export interface Predictor {
  predict(listing: ListingRecord): Prediction;
  /**
   * The cut points of the labels the model learned, from its bundle's metadata; null or absent when
   * the bundle does not record them (then a sold price cannot be turned into this model's category).
   */
  readonly priceThresholds?: PriceThresholds | null;
}

/**
 * Turns a bundle file's text into a ready predictor; throws (BundleFormatError) when it is not one.
 * `origin` names the bundle in messages (file path or registry URI).
 */
export type BundleReader = (text: string, origin: string) => Predictor;

/** A listing every model must answer: the old service's documented example body. */
export const REFERENCE_LISTING: ListingRecord = EXAMPLE_LISTING;

/**
 * Checks a freshly loaded model before it may serve: it must answer known listings without throwing,
 * with a known category and probabilities that are finite, within [0, 1], sum to 1 (within 1e-6) and
 * are largest for the predicted category. Throws an Error saying what was wrong.
 */
export function verifyPredictor(predictor: Predictor): void {
  for (const [label, listing] of [
    ['the reference listing', REFERENCE_LISTING],
    ['a listing with every value missing', EMPTY_LISTING],
  ] as const) {
    let prediction: Prediction;
    try {
      prediction = predictor.predict(listing);
    } catch (error) {
      throw new Error(
        `model failed to predict ${label}: ${error instanceof Error ? error.message : String(error)}`,
        {
          cause: error,
        },
      );
    }
    const problem = predictionProblem(prediction);
    if (problem) throw new Error(`model gave an invalid prediction for ${label}: ${problem}`);
  }
}

function predictionProblem(prediction: Prediction): string | null {
  if (!prediction || typeof prediction !== 'object')
    return `expected an object, got ${JSON.stringify(prediction)}`;
  if (!(PRICE_CATEGORIES as readonly unknown[]).includes(prediction.price_category)) {
    return `price_category ${JSON.stringify(prediction.price_category)} is not one of ${PRICE_CATEGORIES.join(', ')}`;
  }
  const probabilities = prediction.probabilities;
  if (!probabilities || typeof probabilities !== 'object') return 'probabilities are missing';
  let sum = 0;
  let best = -1;
  for (const category of PRICE_CATEGORIES) {
    const p = probabilities[category];
    if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 1) {
      return `probability of ${category} is ${JSON.stringify(p)}, expected a number in [0, 1]`;
    }
    sum += p;
    best = Math.max(best, p);
  }
  if (Math.abs(sum - 1) > 1e-6) return `probabilities sum to ${sum}, expected 1`;
  if (probabilities[prediction.price_category] < best - 1e-9) {
    return `price_category ${prediction.price_category} is not the most probable class`;
  }
  return null;
}
