import { describe, expect, it } from 'vitest';
import { fitCalibration } from '../../src/performance/calibration-fit.js';
import { estimatePerformance } from '../../src/performance/estimate.js';
import { realizedPerformance } from '../../src/performance/realized.js';
import { scoredRows } from './fixtures.js';

describe('estimatePerformance', () => {
  it('sums the expected confusion counts of the calibrated probabilities', () => {
    const e = estimatePerformance(
      [
        [0.8, 0.2, 0],
        [0.1, 0.6, 0.3],
      ],
      ['low', 'medium'],
      undefined,
    );
    expect(e.count).toBe(2);
    expect(e.accuracy).toBeCloseTo(0.7, 12);
    // low: TP .8 FP .2 FN .1; medium: TP .6 FP .4 FN .2; high: TP 0 FP 0 FN .3.
    const f1 = (tp: number, fp: number, fn: number) => (2 * tp) / (2 * tp + fp + fn);
    expect(e.macroF1).toBeCloseTo((f1(0.8, 0.2, 0.1) + f1(0.6, 0.4, 0.2) + 0) / 3, 12);
    expect(estimatePerformance([], [], undefined)).toEqual({ count: 0, accuracy: 0, macroF1: 0 });
  });

  it('tracks realized accuracy and macro-F1 once calibrated, and is optimistic without calibration', () => {
    const fit = scoredRows(4000, 7, 2);
    const calibration = fitCalibration(fit.served, fit.truth);
    const window = scoredRows(5000, 8, 2);
    const realized = realizedPerformance(window.truth, window.predicted);
    const estimated = estimatePerformance(window.served, window.predicted, calibration);
    // Binomial noise of the realized accuracy on 5,000 rows is about 0.007.
    expect(Math.abs(estimated.accuracy - realized.accuracy)).toBeLessThan(0.02);
    expect(Math.abs(estimated.macroF1 - realized.macroF1)).toBeLessThan(0.03);
    const raw = estimatePerformance(window.served, window.predicted, undefined);
    expect(raw.accuracy - realized.accuracy).toBeGreaterThan(0.05);
  });

  it('names a row that does not pair with a prediction', () => {
    expect(() => estimatePerformance([[1, 0, 0]], [], undefined)).toThrow(
      /probabilities has 1 rows but predicted has 0/,
    );
  });
});
