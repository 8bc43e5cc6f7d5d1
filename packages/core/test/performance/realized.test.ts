import { describe, expect, it } from 'vitest';
import { PRICE_CATEGORIES, type PriceCategory } from '../../src/constants.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { classificationMetrics } from '../../src/model/metrics.js';
import { realizedPerformance } from '../../src/performance/realized.js';
import { scoredRows } from './fixtures.js';

describe('realizedPerformance', () => {
  it('counts the confusion matrix (rows truth, columns predicted) and scores it', () => {
    const truth: PriceCategory[] = ['low', 'low', 'medium', 'medium', 'high', 'low'];
    const predicted: PriceCategory[] = ['low', 'medium', 'medium', 'medium', 'medium', 'low'];
    const r = realizedPerformance(truth, predicted);
    expect(r.count).toBe(6);
    expect(r.confusion).toEqual([
      [2, 1, 0],
      [0, 2, 0],
      [0, 1, 0],
    ]);
    expect(r.accuracy).toBeCloseTo(4 / 6, 12);
    expect(r.recall).toEqual({ low: 2 / 3, medium: 1, high: 0 });
    // F1: low 2*2/(3+2)=0.8, medium 2*2/(2+4)=2/3, high 0.
    expect(r.macroF1).toBeCloseTo((0.8 + 2 / 3 + 0) / 3, 12);
  });

  it('gives null recall to a category with no true rows, and agrees with the training metrics', () => {
    const r = realizedPerformance(['low', 'medium'], ['low', 'high']);
    expect(r.recall.high).toBeNull();
    const { truth, predicted } = scoredRows(500, 3);
    const mine = realizedPerformance(truth, predicted);
    const index = (c: PriceCategory) => PRICE_CATEGORIES.indexOf(c);
    const proba = predicted.flatMap((p) => PRICE_CATEGORIES.map((c) => (c === p ? 1 : 0)));
    const theirs = classificationMetrics(truth.map(index), proba, PRICE_CATEGORIES, predicted.map(index));
    expect(mine.accuracy).toBeCloseTo(theirs.accuracy, 12);
    expect(mine.macroF1).toBeCloseTo(theirs.macro_f1, 12);
    expect(mine.confusion).toEqual(theirs.confusion_matrix);
  });

  it('scores no rows as 0 and names a bad input', () => {
    expect(realizedPerformance([], [])).toMatchObject({ count: 0, accuracy: 0, macroF1: 0 });
    expect(() => realizedPerformance(['low'], [])).toThrow(/truth has 1 rows but predicted has 0/);
    expect(() => realizedPerformance(['cheap' as PriceCategory], ['low'])).toThrow(InvalidArgumentError);
    expect(() => realizedPerformance(['cheap' as PriceCategory], ['low'])).toThrow(/truth\[0\] is "cheap"/);
  });
});
