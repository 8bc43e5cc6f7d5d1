import { describe, expect, it } from 'vitest';
import { datasetFromRows } from '../../src/features/dataset.js';
import { BundleFormatError } from '../../src/errors.js';
import { LogisticRegression } from '../../src/model/logistic.js';
import { Random } from '../../src/sampling/random.js';

/** Three Gaussian blobs in 2-D centred at (0,0), (4,0), (0,4), sd 1. */
function blobs(nPerClass: number, seed: number) {
  const random = new Random(seed);
  const centres = [
    [0, 0],
    [4, 0],
    [0, 4],
  ] as const;
  const rows: number[][] = [];
  const y: number[] = [];
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < nPerClass; i++) {
      rows.push([centres[c]![0] + random.normal(), centres[c]![1] + random.normal()]);
      y.push(c);
    }
  }
  return { X: datasetFromRows(rows), y: Uint8Array.from(y) };
}

describe('LogisticRegression', () => {
  it('with no features predicts the class frequencies (the optimum of the bias-only model)', () => {
    // y = [0, 0, 1, 2]: the unpenalised biases converge to log-odds giving 1/2, 1/4, 1/4.
    const X = { data: new Float64Array(0), nRows: 4, nFeatures: 0 };
    const model = LogisticRegression.fit(X, [0, 0, 1, 2], 3);
    const p = model.predictProba([]);
    expect(p[0]).toBeCloseTo(0.5, 5);
    expect(p[1]).toBeCloseTo(0.25, 5);
    expect(p[2]).toBeCloseTo(0.25, 5);
  });

  it('separates three blobs and its probabilities sum to one', () => {
    const { X, y } = blobs(100, 1);
    const model = LogisticRegression.fit(X, y, 3);
    const proba = model.predictProbaBatch(X);
    let correct = 0;
    for (let i = 0; i < X.nRows; i++) {
      const row = Array.from(proba.subarray(i * 3, i * 3 + 3));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      if (row.indexOf(Math.max(...row)) === y[i]) correct++;
    }
    expect(correct / X.nRows).toBeGreaterThan(0.95);
  });

  it('reaches the optimum: mean predicted probability of each class equals its frequency', () => {
    // At the optimum the bias gradient, sum_i (p_ic - [y_i = c]) / n, is zero.
    const { X, y } = blobs(50, 2);
    const model = LogisticRegression.fit(X, y, 3, { tolerance: 1e-8, maxIterations: 1000 });
    const proba = model.predictProbaBatch(X);
    for (let c = 0; c < 3; c++) {
      let mean = 0;
      for (let i = 0; i < X.nRows; i++) mean += proba[i * 3 + c]! / X.nRows;
      expect(mean).toBeCloseTo(1 / 3, 6);
    }
  });

  it('is deterministic and survives a JSON round trip with identical outputs', () => {
    const { X, y } = blobs(40, 3);
    const a = LogisticRegression.fit(X, y, 3);
    const b = LogisticRegression.fit(X, y, 3);
    expect(a.toJSON()).toEqual(b.toJSON());
    const restored = LogisticRegression.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    expect(Array.from(restored.predictProbaBatch(X))).toEqual(Array.from(a.predictProbaBatch(X)));
  });

  it('treats a missing value as the feature mean', () => {
    const { X, y } = blobs(40, 4);
    const model = LogisticRegression.fit(X, y, 3);
    let meanX = 0;
    for (let i = 0; i < X.nRows; i++) meanX += X.data[i * 2]! / X.nRows;
    const missing = model.predictProba([Number.NaN, 1]);
    const atMean = model.predictProba([meanX, 1]);
    for (let c = 0; c < 3; c++) expect(missing[c]).toBeCloseTo(atMean[c]!, 12);
  });

  it('refuses a serialized model of another kind or version, naming got and expected', () => {
    const { X, y } = blobs(10, 5);
    const json = LogisticRegression.fit(X, y, 3).toJSON();
    expect(() => LogisticRegression.fromJSON({ ...json, formatVersion: 9 } as never)).toThrow(
      BundleFormatError,
    );
    expect(() => LogisticRegression.fromJSON({ ...json, formatVersion: 9 } as never)).toThrow(
      /got v9, expected v1/,
    );
    expect(() => LogisticRegression.fromJSON({ ...json, kind: 'forest' } as never)).toThrow(
      /got kind forest/,
    );
  });

  it('names a label outside the class range', () => {
    const X = datasetFromRows([[1], [2]]);
    expect(() => LogisticRegression.fit(X, [0, 5], 3)).toThrow(/y\[1\] must be a class index in 0..2, got 5/);
  });
});
