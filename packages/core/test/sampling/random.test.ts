import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { deriveSeed, Random, WeightedSampler } from '../../src/sampling/random.js';

describe('Random (xoshiro128**)', () => {
  it('matches the reference C implementation for a given state', () => {
    // Expected outputs and states: the reference xoshiro128starstar.c run from this
    // state, as published in the test data of edorfaus/xoshiro-6502 (test-rom/testdata.asm).
    const random = Random.fromState([0x964d4a0c, 0xd40ab895, 0xad7fdecb, 0x3006f0f0]);
    expect(random.nextUint32()).toBe(0xf1391922);
    expect(random.getState()).toEqual([0x72410269, 0xef382c52, 0x2e43bec7, 0x62432f20]);
    expect([random.nextUint32(), random.nextUint32(), random.nextUint32()]).toEqual([
      0x6fe53806, 0xa5be2840, 0xf510ee70,
    ]);
  });

  it('gives the same stream for the same seed and different streams for different seeds', () => {
    const draw = (seed: number) => {
      const random = new Random(seed);
      return Array.from({ length: 8 }, () => random.nextUint32());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(draw(0)).not.toEqual(draw(1));
  });

  it('continues the same stream after getState/fromState', () => {
    const a = new Random(7);
    a.nextUint32();
    const b = Random.fromState(a.getState());
    expect(Array.from({ length: 5 }, () => b.nextFloat())).toEqual(
      Array.from({ length: 5 }, () => a.nextFloat()),
    );
  });

  it('draws floats in [0, 1) with mean 1/2 and variance 1/12', () => {
    const random = new Random(1);
    const n = 200_000;
    let sum = 0;
    let sumSq = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const x = random.nextFloat();
      min = Math.min(min, x);
      max = Math.max(max, x);
      sum += x;
      sumSq += x * x;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    const mean = sum / n;
    expect(mean).toBeCloseTo(0.5, 2);
    expect(sumSq / n - mean * mean).toBeCloseTo(1 / 12, 2);
  });

  it('draws integers uniformly over [0, n) (chi-square well below the 0.1 % critical value)', () => {
    const random = new Random(2);
    const n = 10;
    const draws = 100_000;
    const counts = new Array<number>(n).fill(0);
    for (let i = 0; i < draws; i++) counts[random.nextInt(n)]! += 1;
    const expected = draws / n;
    const chiSquare = counts.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
    // 27.88 is the 99.9th percentile of chi-square with 9 degrees of freedom.
    expect(chiSquare).toBeLessThan(27.88);
  });

  it('handles the extreme integer bounds', () => {
    const random = new Random(3);
    expect(random.nextInt(1)).toBe(0);
    const big = random.nextInt(2 ** 32);
    expect(Number.isInteger(big) && big >= 0 && big < 2 ** 32).toBe(true);
    for (let i = 0; i < 100; i++) {
      const x = random.intBetween(-2, 2);
      expect(x >= -2 && x <= 2).toBe(true);
    }
  });

  it('draws normal deviates with the requested mean and standard deviation', () => {
    const random = new Random(4);
    const n = 200_000;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const x = random.normal(10, 3);
      sum += x;
      sumSq += x * x;
    }
    const mean = sum / n;
    expect(mean).toBeCloseTo(10, 1);
    expect(Math.sqrt(sumSq / n - mean * mean)).toBeCloseTo(3, 1);
  });

  it('chooses and shuffles without losing elements', () => {
    const random = new Random(5);
    const items = ['a', 'b', 'c'];
    const seen = new Set(Array.from({ length: 100 }, () => random.choice(items)));
    expect([...seen].sort()).toEqual(items);
    const shuffled = random.shuffle(Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
    expect([...shuffled].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('rejects invalid arguments with a message naming the value', () => {
    const random = new Random(6);
    expect(() => new Random(Number.NaN)).toThrow(InvalidArgumentError);
    expect(() => random.nextInt(0)).toThrow(/got 0/);
    expect(() => random.nextInt(2.5)).toThrow(/got 2.5/);
    expect(() => random.choice([])).toThrow(/non-empty/);
    expect(() => Random.fromState([0, 0, 0, 0])).toThrow(/all zeros/);
  });
});

describe('deriveSeed', () => {
  it('is a pure function of (seed, index) and separates neighbouring indices', () => {
    expect(deriveSeed(42, 3)).toBe(deriveSeed(42, 3));
    const seeds = new Set(Array.from({ length: 1000 }, (_, i) => deriveSeed(42, i)));
    expect(seeds.size).toBe(1000);
    expect(deriveSeed(42, 0)).not.toBe(deriveSeed(43, 0));
  });
});

describe('WeightedSampler', () => {
  it('draws indices with shares proportional to the weights', () => {
    const sampler = new WeightedSampler([1, 0, 3, 6]);
    const random = new Random(8);
    const counts = [0, 0, 0, 0];
    const n = 100_000;
    for (let i = 0; i < n; i++) counts[sampler.sample(random)]! += 1;
    expect(counts[1]).toBe(0);
    expect(counts[0]! / n).toBeCloseTo(0.1, 2);
    expect(counts[2]! / n).toBeCloseTo(0.3, 2);
    expect(counts[3]! / n).toBeCloseTo(0.6, 2);
  });

  it('rejects empty, negative or all-zero weights', () => {
    expect(() => new WeightedSampler([])).toThrow(InvalidArgumentError);
    expect(() => new WeightedSampler([0, 0])).toThrow(/positive/);
    expect(() => new WeightedSampler([1, -1])).toThrow(/got -1/);
  });
});
