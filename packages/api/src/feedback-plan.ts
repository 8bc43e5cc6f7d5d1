/**
 * The rules of recording a feedback batch, shared by every FeedbackStore: what the log and the
 * feedback table must be asked about a batch (feedbackLookupSql), and what the batch then does
 * (planFeedback). A store only runs the lookup and the writes inside its own transaction.
 */
import type { PriceCategory } from '@mlops/core';
import {
  FEEDBACK_TABLE,
  PRODUCTION_LOG_TABLE,
  SERVED_MODELS_TABLE,
  priceCategoryOf,
} from '@mlops/core/listing';
import type {
  FeedbackConflict,
  FeedbackItem,
  FeedbackOutcome,
  UnconvertiblePrice,
} from './feedback-store.js';

/** What the log knows of one prediction id, with any feedback already stored for it. */
export interface LoggedPrediction {
  prediction_id: string;
  model_name: string;
  model_version: string;
  price_low: number | null;
  price_high: number | null;
  true_category: PriceCategory | null;
  sold_price: number | null;
}

/** The ground truth one item carries once its price (if any) is turned into a category. */
export interface FeedbackValue {
  trueCategory: PriceCategory;
  soldPrice: number | null;
}

/** A batch that passed every rule: the rows to insert (one per new id) and the repeats. */
export interface FeedbackWrites {
  kind: 'recorded';
  writes: [string, FeedbackValue][];
  duplicates: number;
}

/**
 * The query returning a LoggedPrediction row for every logged id among the batch's ids: the served
 * row, the cut points of the version that answered, and the feedback stored so far.
 * @param idsPredicate SQL testing `p.prediction_id` against the batch's ids, in the store's dialect
 */
export function feedbackLookupSql(idsPredicate: string): string {
  return `SELECT p.prediction_id, p.model_name, p.model_version, s.price_low, s.price_high, f.true_category, f.sold_price
       FROM ${PRODUCTION_LOG_TABLE} p
       LEFT JOIN ${SERVED_MODELS_TABLE} s ON s.model_name = p.model_name AND s.model_version = p.model_version
       LEFT JOIN ${FEEDBACK_TABLE} f ON f.prediction_id = p.prediction_id
       WHERE ${idsPredicate}`;
}

/**
 * Decides what a batch does, from what the log and the feedback table hold for its ids. Pure, so the
 * rules are the same for every store: unknown ids first, then prices that cannot be converted, then
 * conflicting values; only a batch with none of them is written.
 */
export function planFeedback(
  items: readonly FeedbackItem[],
  logged: ReadonlyMap<string, LoggedPrediction>,
): FeedbackWrites | Exclude<FeedbackOutcome, { kind: 'recorded' }> {
  const unknown = [
    ...new Set(items.filter((item) => !logged.has(item.predictionId)).map((i) => i.predictionId)),
  ];
  if (unknown.length > 0) return { kind: 'unknown', predictionIds: unknown };

  const unconvertible: UnconvertiblePrice[] = [];
  const sent: FeedbackValue[] = items.map((item, index) => {
    if (item.trueCategory !== undefined) return { trueCategory: item.trueCategory, soldPrice: null };
    const row = logged.get(item.predictionId)!;
    if (row.price_low === null || row.price_high === null) {
      unconvertible.push({ index, predictionId: item.predictionId, modelVersion: row.model_version });
      return { trueCategory: 'low', soldPrice: item.soldPrice };
    }
    const thresholds = { low: row.price_low, high: row.price_high };
    return { trueCategory: priceCategoryOf(item.soldPrice, thresholds), soldPrice: item.soldPrice };
  });
  if (unconvertible.length > 0) return { kind: 'unconvertible', items: unconvertible };

  // What each id holds so far: stored feedback, then earlier items of this batch.
  const held = new Map<string, FeedbackValue>();
  for (const [id, row] of logged) {
    if (row.true_category !== null)
      held.set(id, { trueCategory: row.true_category, soldPrice: row.sold_price });
  }
  const conflicts: FeedbackConflict[] = [];
  const writes: [string, FeedbackValue][] = [];
  let duplicates = 0;
  items.forEach((item, index) => {
    const value = sent[index]!;
    const stored = held.get(item.predictionId);
    if (stored === undefined) {
      held.set(item.predictionId, value);
      writes.push([item.predictionId, value]);
    } else if (sameFeedback(stored, value)) duplicates += 1;
    else conflicts.push({ predictionId: item.predictionId, stored, sent: value });
  });
  if (conflicts.length > 0) return { kind: 'conflict', conflicts };
  return { kind: 'recorded', writes, duplicates };
}

/**
 * The same ground truth: the same category, and the same price when both carry one (a category sent
 * first and the sale price that confirms it later is the same truth, not a conflict).
 */
export function sameFeedback(stored: FeedbackValue, sent: FeedbackValue): boolean {
  if (stored.trueCategory !== sent.trueCategory) return false;
  return stored.soldPrice === null || sent.soldPrice === null || stored.soldPrice === sent.soldPrice;
}
