import { describe, expect, it } from 'vitest';
import { PRICE_CATEGORIES } from '../../src/constants.js';
import { InvalidArgumentError } from '../../src/errors.js';
import {
  CALIBRATION_METHODS,
  calibrateProbabilities,
  fitCalibrationMethod,
  calibrationSchema,
  fitIsotonicMap,
  fitTemperature,
} from '../../src/performance/calibration.js';
import { expectedCalibrationError } from '../../src/performance/calibration-error.js';
import { fitCalibration, fitCalibrationWithErrors } from '../../src/performance/calibration-fit.js';
import { scoredRows } from './fixtures.js';

describe('isotonic map', () => {
  it('pools adjacent violators and is constant outside the knots', () => {
    const map = fitIsotonicMap([0.1, 0.2, 0.3, 0.4, 0.5], [0, 1, 0, 1, 1]);
    // 0.2 and 0.3 violate (1 then 0): pooled at 0.5.
    expect(map).toEqual({ x: [0.1, 0.2, 0.3, 0.4, 0.5], y: [0, 0.5, 0.5, 1, 1] });
    const tied = fitIsotonicMap([0.5, 0.5, 0.5, 0.9], [1, 0, 0, 1]);
    expect(tied).toEqual({ x: [0.5, 0.9], y: [1 / 3, 1] });
  });
});

describe('temperature scaling', () => {
  it('recovers the sharpening of over-confident rows', () => {
    const { served, truth } = scoredRows(4000, 1, 2);
    const t = fitTemperature(
      served,
      truth.map((c) => PRICE_CATEGORIES.indexOf(c)),
    );
    expect(t).toBeGreaterThan(1.8);
    expect(t).toBeLessThan(2.2);
  });
});

describe('fitCalibration', () => {
  it('brings the served ECE down on over-confident rows, measured out of fold, and round-trips as JSON', () => {
    const { served, truth } = scoredRows(3000, 2, 2);
    const fit = fitCalibrationWithErrors(served, truth);
    expect(fit.calibration.method).not.toBe('identity');
    expect(fit.calibrationError.before).toBeGreaterThan(0.08);
    expect(fit.calibrationError.after).toBeLessThan(0.03);
    expect(fit.calibration.selection?.candidates.map((c) => c.method)).toEqual([
      'identity',
      'temperature',
      'isotonic',
    ]);
    const copy = calibrationSchema.parse(JSON.parse(JSON.stringify(fit.calibration)));
    expect(calibrateProbabilities(copy, served[0]!)).toEqual(
      calibrateProbabilities(fit.calibration, served[0]!),
    );
  });

  it('keeps calibrated rows about as they are', () => {
    const { served, truth } = scoredRows(3000, 4, 1);
    const fit = fitCalibrationWithErrors(served, truth);
    expect(fit.calibrationError.before).toBeLessThan(0.03);
    expect(fit.calibrationError.after).toBeLessThan(0.03);
  });

  it('calibrated rows sum to 1 with every category above 0, for each method', () => {
    const { served, truth } = scoredRows(1000, 5, 3);
    const y = truth.map((c) => PRICE_CATEGORIES.indexOf(c));
    for (const method of CALIBRATION_METHODS) {
      const calibration = fitCalibrationMethod(method, served, y);
      for (const row of [served[0]!, [1, 0, 0], [0, 0.5, 0.5]]) {
        const q = calibrateProbabilities(calibration, row);
        expect(q.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
        if (method !== 'identity') for (const v of q) expect(v).toBeGreaterThan(0);
      }
    }
  });

  it('uses no calibration below 50 rows and names bad input', () => {
    const { served, truth } = scoredRows(20, 6, 2);
    expect(fitCalibration(served, truth).method).toBe('identity');
    expect(() => fitCalibration([], [])).toThrow(/0 held-out rows/);
    expect(() => fitCalibration([[0.5, 0.5]], ['low'])).toThrow(
      /probabilities\[0\] must hold 3 probabilities/,
    );
    expect(() => fitCalibration([[0.5, -0.1, 0.6]], ['low'])).toThrow(InvalidArgumentError);
    expect(() => calibrateProbabilities({ method: 'identity', rows: 0 }, [Number.NaN, 0, 1])).toThrow(
      /probability row\[0\] \(low\)/,
    );
  });
});

describe('expectedCalibrationError', () => {
  it('is the bin-weighted gap between confidence and accuracy', () => {
    // Bin of 0.9: confidence 0.9, accuracy 0.5 -> 0.4, half of the rows.
    // Bin of 0.5: confidence 0.5, accuracy 0.5 -> 0.
    expect(expectedCalibrationError([0.9, 0.9, 0.5, 0.5], [true, false, true, false])).toBeCloseTo(0.2, 12);
    expect(expectedCalibrationError([], [])).toBe(0);
  });
});
