import { describe, expect, it } from 'vitest';
import { MISSING_BIN, binCount, binDataset, fitBinEdges, thresholdBetween } from '../../src/model/binning.js';
import { datasetFromRows } from '../../src/features/dataset.js';
import { InvalidArgumentError } from '../../src/errors.js';

/** One-column dataset. */
function column(values: number[]) {
  return datasetFromRows(values.map((v) => [v]));
}

describe('fitBinEdges', () => {
  it('gives a feature with few distinct values one bin per value, edges halfway between them', () => {
    const X = column([3, 1, 2, 2, 1, Number.NaN]);
    const edges = fitBinEdges(X);
    expect(Array.from(edges.edges)).toEqual([1.5, 2.5]);
    expect(binCount(edges, 0)).toBe(4); // missing + three values
    expect(Array.from(binDataset(X, edges))).toEqual([3, 1, 2, 2, 1, MISSING_BIN]);
  });

  it('cuts many distinct values into maxBins - 1 bins of about equal row counts', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i * 0.37);
    const X = column(values);
    const edges = fitBinEdges(X, 11);
    expect(edges.edges.length).toBe(9); // 10 value bins
    const counts = new Array<number>(12).fill(0);
    for (const b of binDataset(X, edges)) counts[b]!++;
    expect(counts[MISSING_BIN]).toBe(0);
    for (let b = 1; b <= 10; b++) expect(counts[b]).toBe(100);
  });

  it('never splits a run of equal values across two bins', () => {
    // 600 zeros then 400 distinct values: the zeros share one bin, no bin is empty.
    const values = [...new Array<number>(600).fill(0), ...Array.from({ length: 400 }, (_, i) => i + 1)];
    const X = column(values);
    const edges = fitBinEdges(X, 11);
    const bins = binDataset(X, edges);
    expect(new Set(Array.from(bins.subarray(0, 600)))).toEqual(new Set([1]));
    const used = new Set(Array.from(bins));
    for (let b = 1; b < binCount(edges, 0); b++) expect(used.has(b)).toBe(true);
  });

  it('keeps "bin <= b" and "x <= threshold" equivalent, so trees can store real thresholds', () => {
    const values = Array.from({ length: 500 }, (_, i) => Math.sin(i) * 100);
    const X = column(values);
    const edges = fitBinEdges(X, 32);
    const bins = binDataset(X, edges);
    const count = binCount(edges, 0);
    for (let low = 1; low < count - 1; low++) {
      for (const high of [low + 1, Math.min(count - 1, low + 3)]) {
        const t = thresholdBetween(edges, 0, low, high);
        values.forEach((x, r) => {
          const b = bins[r]!;
          if (b <= low) expect(x <= t).toBe(true);
          if (b >= high) expect(x > t).toBe(true);
        });
      }
    }
  });

  it('stores bins row-major and, on request, in shared memory', () => {
    const X = datasetFromRows([
      [0, 10],
      [1, 20],
    ]);
    const edges = fitBinEdges(X);
    const bins = binDataset(X, edges, true);
    expect(bins.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(bins)).toEqual([1, 1, 2, 2]);
  });

  it('rejects a bin count outside 3..256, naming it', () => {
    expect(() => fitBinEdges(column([1, 2]), 2)).toThrow(InvalidArgumentError);
    expect(() => fitBinEdges(column([1, 2]), 257)).toThrow(/maxBins.*257/);
  });
});
