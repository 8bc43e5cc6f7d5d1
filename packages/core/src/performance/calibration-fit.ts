/**
 * Choosing and fitting the calibration of a model on its held-out rows,
 * without grading a method on the rows it was fitted on.
 *
 * Cross-fitting: the held-out rows are split in two halves (even and odd
 * positions); each candidate method (identity, temperature, isotonic) is
 * fitted on one half and applied to the other, and the other way round, so
 * every row gets an out-of-fold calibrated probability. The method with the
 * lowest out-of-fold log loss (a proper scoring rule, less noisy than the
 * binned ECE on a few thousand rows) wins; ties go to the simpler method. The
 * winner is then refitted on all held-out rows, and its out-of-fold ECE is the
 * honest "after" error recorded with the model (the refit on twice the rows
 * is, if anything, a little better).
 */
import type { PriceCategory } from '../constants.js';
import { InvalidArgumentError } from '../errors.js';
import {
  CALIBRATION_METHODS,
  calibrateChecked,
  fitCalibrationMethod,
  type Calibration,
  type CalibrationMethod,
} from './calibration.js';
import { argmax, meanLogLoss, servedCalibrationError } from './calibration-error.js';
import { categoryIndex, checkedProbabilityRow, checkSameLength } from './rows.js';

/** Below this many held-out rows no calibration is fitted (identity): too few rows to tell methods apart. */
export const MIN_CALIBRATION_ROWS = 50;

/** What fitCalibrationWithErrors returns. */
export interface CalibrationFit {
  /** The chosen method, refitted on all rows. */
  calibration: Calibration;
  /** Top-label ECE of the served probabilities, and out-of-fold of the chosen calibration. */
  calibrationError: { before: number; after: number };
}

/**
 * Fits the calibration of served probabilities against the truth (see the
 * module comment for how the method is chosen).
 * @param probabilities served probability rows, PRICE_CATEGORIES order
 * @param truth true category of each row
 * @throws InvalidArgumentError on no rows, unpaired arrays, bad rows or categories
 */
export function fitCalibration(
  probabilities: readonly (readonly number[])[],
  truth: readonly PriceCategory[],
): Calibration {
  return fitCalibrationWithErrors(probabilities, truth).calibration;
}

/** fitCalibration, with the calibration error before and (cross-fitted) after. */
export function fitCalibrationWithErrors(
  probabilities: readonly (readonly number[])[],
  truth: readonly PriceCategory[],
): CalibrationFit {
  checkSameLength(probabilities, 'probabilities', truth, 'truth');
  if (probabilities.length === 0)
    throw new InvalidArgumentError('cannot fit a calibration on 0 held-out rows');
  const rows = probabilities.map((row, i) => checkedProbabilityRow(row, `probabilities[${i}]`));
  const y = truth.map((t, i) => categoryIndex(t, `truth[${i}]`));
  const predicted = rows.map(argmax);
  const before = servedCalibrationError(rows, predicted, y);
  if (rows.length < MIN_CALIBRATION_ROWS) {
    return {
      calibration: fitCalibrationMethod('identity', rows, y),
      calibrationError: { before, after: before },
    };
  }

  const halves = [0, 1].map((h) => rows.map((_, i) => i).filter((i) => i % 2 === h));
  const candidates = CALIBRATION_METHODS.map((method) => {
    const outOfFold = new Array<number[]>(rows.length);
    for (const [fitHalf, applyHalf] of [
      [halves[0]!, halves[1]!],
      [halves[1]!, halves[0]!],
    ] as const) {
      const fitted = fitCalibrationMethod(
        method,
        fitHalf.map((i) => rows[i]!),
        fitHalf.map((i) => y[i]!),
      );
      for (const i of applyHalf) outOfFold[i] = calibrateChecked(fitted, rows[i]!);
    }
    return {
      method,
      logLoss: meanLogLoss(outOfFold, y),
      ece: servedCalibrationError(outOfFold, predicted, y),
    };
  });
  // CALIBRATION_METHODS runs simplest first, so a strict < keeps the simpler method on a tie.
  let best = candidates[0]!;
  for (const candidate of candidates) if (candidate.logLoss < best.logLoss - 1e-9) best = candidate;
  const calibration = fitCalibrationMethod(best.method as CalibrationMethod, rows, y);
  calibration.selection = { candidates };
  return { calibration, calibrationError: { before, after: best.ece } };
}
