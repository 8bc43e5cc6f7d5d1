import type { PriceCategory } from '@mlops/core';
import type { PriceThresholds } from './predictor.js';

/** One piece of ground truth about a served prediction: its true category, or the price it sold at. */
export type FeedbackItem =
  | { predictionId: string; trueCategory: PriceCategory; soldPrice?: undefined }
  | { predictionId: string; soldPrice: number; trueCategory?: undefined };

/** A model version as the feedback path needs it: the cut points its labels were made with. */
export interface ServedModelRecord {
  name: string;
  version: string;
  priceThresholds: PriceThresholds | null;
}

/** An item whose prediction id already has feedback with another value (or twice in one batch). */
export interface FeedbackConflict {
  predictionId: string;
  stored: { trueCategory: PriceCategory; soldPrice: number | null };
  sent: { trueCategory: PriceCategory; soldPrice: number | null };
}

/** An item with a sold price whose answering model version recorded no price cut points. */
export interface UnconvertiblePrice {
  index: number;
  predictionId: string;
  modelVersion: string;
}

/**
 * What recording a batch did. Only `recorded` wrote anything: every other outcome leaves the store as
 * it was (a batch is all or nothing).
 */
export type FeedbackOutcome =
  | { kind: 'recorded'; recorded: number; duplicates: number }
  | { kind: 'unknown'; predictionIds: string[] }
  | { kind: 'conflict'; conflicts: FeedbackConflict[] }
  | { kind: 'unconvertible'; items: UnconvertiblePrice[] };

/**
 * Where ground truth is kept: the `feedback` table beside the production log (FEEDBACK_DDL), and the
 * `served_models` table of cut points the API fills as it loads models (SERVED_MODELS_DDL). An
 * implementation checks and writes a batch in one transaction, so concurrent replicas cannot record
 * two different values for one prediction.
 */
export interface FeedbackStore {
  /** Where the store is (a file path or a redacted URL), for /health and messages. */
  readonly location: string;
  /** Records (once per version; later calls are no-ops) the cut points of a model that started serving. */
  noteServedModel(model: ServedModelRecord): Promise<void>;
  /**
   * Validates the batch against the production log and the stored feedback, and writes it only when
   * every item is good: known prediction id, a price convertible with its model's cut points, and no
   * value different from feedback already stored. The same value again counts as a duplicate.
   * @param receivedTs epoch milliseconds the feedback arrived (label delay = receivedTs - served ts)
   */
  record(items: readonly FeedbackItem[], receivedTs: number): Promise<FeedbackOutcome>;
  close(): Promise<void>;
}
