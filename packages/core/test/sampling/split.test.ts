import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { stratifiedKFold, stratifiedSplit } from '../../src/sampling/split.js';

// 50 rows of class 0, 30 of class 1, 20 of class 2, interleaved.
const labels = Array.from({ length: 100 }, (_, i) => (i % 10 < 5 ? 0 : i % 10 < 8 ? 1 : 2));
const count = (rows: Uint32Array, cls: number) => [...rows].filter((r) => labels[r] === cls).length;

describe('stratifiedSplit', () => {
  it('holds out the requested share of every class', () => {
    const { train, test } = stratifiedSplit(labels, 0.2, 7);
    expect(test.length).toBe(20);
    expect(train.length).toBe(80);
    expect([count(test, 0), count(test, 1), count(test, 2)]).toEqual([10, 6, 4]);
  });

  it('puts every row in exactly one part, each part ascending', () => {
    const { train, test } = stratifiedSplit(labels, 0.25, 3);
    const all = [...train, ...test].sort((a, b) => a - b);
    expect(all).toEqual(labels.map((_, i) => i));
    expect([...test]).toEqual([...test].sort((a, b) => a - b));
  });

  it('gives the same split for the same seed and another for another seed', () => {
    expect(stratifiedSplit(labels, 0.2, 1)).toEqual(stratifiedSplit(labels, 0.2, 1));
    expect([...stratifiedSplit(labels, 0.2, 1).test]).not.toEqual([...stratifiedSplit(labels, 0.2, 2).test]);
  });

  it('rejects a fraction outside (0, 1)', () => {
    expect(() => stratifiedSplit(labels, 1, 1)).toThrow(InvalidArgumentError);
    expect(() => stratifiedSplit(labels, 0, 1)).toThrow(/between 0 and 1/);
  });
});

describe('stratifiedKFold', () => {
  it('tests every row exactly once over the folds, with balanced classes', () => {
    const folds = stratifiedKFold(labels, 5, 11);
    expect(folds).toHaveLength(5);
    const seen = new Array<number>(labels.length).fill(0);
    for (const { train, test } of folds) {
      expect(train.length + test.length).toBe(100);
      expect(test.length).toBe(20);
      expect([count(test, 0), count(test, 1), count(test, 2)]).toEqual([10, 6, 4]);
      for (const r of test) seen[r]!++;
      expect(new Set([...train, ...test]).size).toBe(100);
    }
    expect(seen.every((n) => n === 1)).toBe(true);
  });

  it('keeps fold sizes within one row when classes do not divide evenly', () => {
    const odd = [0, 0, 0, 1, 1, 1, 1, 2];
    const sizes = stratifiedKFold(odd, 3, 5).map((f) => f.test.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(8);
  });

  it('rejects k below 2 or above the number of rows', () => {
    expect(() => stratifiedKFold(labels, 1, 1)).toThrow(/k must be an integer from 2/);
    expect(() => stratifiedKFold([0, 1], 3, 1)).toThrow(InvalidArgumentError);
  });
});
