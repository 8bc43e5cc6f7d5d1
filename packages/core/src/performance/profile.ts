/**
 * The performance profile of a model version, made at training on its
 * held-out rows and kept in the reference snapshot's `performance` field:
 * the held-out scores a production window is compared with, the calibration
 * the estimate uses, and how much that calibration helped.
 */
import { z } from 'zod';
import { PRICE_CATEGORIES, type PriceCategory } from '../constants.js';
import { calibrationSchema, type Calibration } from './calibration.js';
import { argmax } from './calibration-error.js';
import { fitCalibrationWithErrors } from './calibration-fit.js';
import { realizedPerformance, type RealizedPerformance } from './realized.js';
import { categoryAt, checkedProbabilityRow } from './rows.js';

const k = PRICE_CATEGORIES.length;
const realizedSchema = z.object({
  count: z.number().int().min(0),
  accuracy: z.number().min(0).max(1),
  macroF1: z.number().min(0).max(1),
  recall: z.object(
    Object.fromEntries(PRICE_CATEGORIES.map((c) => [c, z.number().min(0).max(1).nullable()])) as Record<
      PriceCategory,
      z.ZodNullable<z.ZodNumber>
    >,
  ),
  confusion: z.array(z.array(z.number().int().min(0)).length(k)).length(k),
});

/** The serialized profile's schema (an optional part of the reference snapshot). */
export const modelPerformanceProfileSchema = z.object({
  heldOut: realizedSchema,
  calibration: calibrationSchema,
  /** Top-label ECE of the served probabilities (before) and of the cross-fitted calibration (after). */
  calibrationError: z.object({ before: z.number().min(0), after: z.number().min(0) }),
});

/** A model version's held-out scores, calibration and calibration error. */
export interface ModelPerformanceProfile {
  heldOut: RealizedPerformance;
  calibration: Calibration;
  calibrationError: { before: number; after: number };
}

/**
 * Builds the profile from the served probabilities of the held-out rows and
 * their true categories. The held-out scores are those of the served answers
 * (arg-max of the uncalibrated probabilities, as the API answers); the
 * calibration is chosen and its error measured by cross-fitting
 * (calibration-fit.ts), so the profile is not graded on its own fitting rows.
 * @throws InvalidArgumentError on no rows, unpaired arrays, bad rows or categories
 */
export function buildPerformanceProfile(
  probabilities: readonly (readonly number[])[],
  truth: readonly PriceCategory[],
): ModelPerformanceProfile {
  const { calibration, calibrationError } = fitCalibrationWithErrors(probabilities, truth);
  const predicted = probabilities.map((row, i) =>
    categoryAt(argmax(checkedProbabilityRow(row, `probabilities[${i}]`))),
  );
  return { heldOut: realizedPerformance(truth, predicted), calibration, calibrationError };
}

/** Splits row-major probabilities (`n * PRICE_CATEGORIES.length` values, as Model.predictProbaBatch gives) into rows. */
export function probabilityRows(flat: ArrayLike<number>): number[][] {
  const rows: number[][] = [];
  for (let offset = 0; offset + k <= flat.length; offset += k) {
    rows.push(Array.from({ length: k }, (_, c) => flat[offset + c]!));
  }
  return rows;
}
