import { describe, expect, it } from 'vitest';
import { baselineScores, softmaxGradients, softmaxInPlace } from '../../../src/model/boosting/loss.js';

describe('softmaxInPlace', () => {
  it('turns a slice of raw scores into probabilities, leaving the rest alone', () => {
    const a = new Float64Array([9, 1, 2, 3, 9]);
    softmaxInPlace(a, 1, 3);
    const e = [1, 2, 3].map((v) => Math.exp(v));
    const sum = e[0]! + e[1]! + e[2]!;
    for (let k = 0; k < 3; k++) expect(a[1 + k]).toBeCloseTo(e[k]! / sum, 15);
    expect(a[0]).toBe(9);
    expect(a[4]).toBe(9);
  });

  it('does not overflow on large scores', () => {
    const a = new Float64Array([1000, 1001, -1000]);
    softmaxInPlace(a, 0, 3);
    expect(a[0]).toBeCloseTo(1 / (1 + Math.E), 15);
    expect(a[1]).toBeCloseTo(Math.E / (1 + Math.E), 15);
    expect(a[2]).toBe(0);
  });
});

describe('baselineScores', () => {
  it('is the log of the weighted class shares, centred on 0', () => {
    const labels = Uint8Array.from([0, 0, 1, 2, 2, 2]);
    const weights = Float64Array.from([1, 1, 2, 1, 1, 1]);
    const scores = baselineScores(labels, weights, 3);
    // Shares 2/7, 2/7, 3/7.
    const logs = [2 / 7, 2 / 7, 3 / 7].map(Math.log);
    const mean = (logs[0]! + logs[1]! + logs[2]!) / 3;
    for (let k = 0; k < 3; k++) expect(scores[k]).toBeCloseTo(logs[k]! - mean, 15);
    const proba = scores.slice();
    softmaxInPlace(proba, 0, 3);
    expect(Array.from(proba).map((p) => p * 7)).toEqual([2, 2, 3].map((v) => expect.closeTo(v, 12)));
  });

  it('stays finite for a class without rows', () => {
    const scores = baselineScores(Uint8Array.from([0, 1]), Float64Array.from([1, 1]), 3);
    for (const s of scores) expect(Number.isFinite(s)).toBe(true);
    expect(scores[2]).toBeLessThan(scores[0]! - 30);
  });
});

describe('softmaxGradients', () => {
  it('writes the weighted gradient and hessian of every row and class as float32', () => {
    // Row 0: equal scores; row 1: scores 0, ln 2, 0 (p = 1/4, 1/2, 1/4), weight 3.
    const raw = Float64Array.from([0, 0, 0, 0, Math.LN2, 0]);
    const gh = new Float32Array(12);
    softmaxGradients(raw, Uint8Array.from([2, 1]), Float64Array.from([1, 3]), 3, gh);
    const third = 1 / 3;
    const expected = [
      [third, third * (1 - third)],
      [third, third * (1 - third)],
      [third - 1, third * (1 - third)],
      [0.25 * 3, 0.25 * 0.75 * 3],
      [(0.5 - 1) * 3, 0.5 * 0.5 * 3],
      [0.25 * 3, 0.25 * 0.75 * 3],
    ].flat();
    for (let i = 0; i < 12; i++) expect(gh[i]).toBeCloseTo(Math.fround(expected[i]!), 6);
  });

  it('keeps a hessian above zero for a row the model is sure of', () => {
    const gh = new Float32Array(4);
    softmaxGradients(Float64Array.from([0, -1000]), Uint8Array.from([0]), Float64Array.from([1]), 2, gh);
    expect(gh[0]).toBe(0);
    expect(gh[2]).toBe(0);
    expect(gh[3]).toBeGreaterThan(0);
    expect(gh[3]).toBe(Math.fround(1e-16));
  });
});
