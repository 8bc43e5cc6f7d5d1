import { InvalidArgumentError } from '../errors.js';

/**
 * A small, fast, seeded pseudo-random generator: xoshiro128** (Blackman and
 * Vigna, 2018, https://prng.di.unimi.it/xoshiro128starstar.c), 128 bits of
 * state in four 32-bit integers, seeded through splitmix32 so that nearby seeds
 * (1, 2, 3) give unrelated streams.
 *
 * Why not Math.random: training, splitting and data generation must be
 * reproducible for a seed. Why this one: 32-bit integer arithmetic only (fast
 * in V8 with Math.imul), good statistical quality, and a state small enough to
 * copy and restore (`getState`/`fromState`) for checkpoints.
 */
export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** Second Box-Muller deviate kept for the next `normal()` call, or NaN. */
  private spareNormal = Number.NaN;

  /**
   * @param seed any finite number; it is reduced to an unsigned 32-bit
   *   integer (so 1 and 2**32 + 1 give the same stream).
   */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) {
      throw new InvalidArgumentError(`Random seed must be a finite number, got ${String(seed)}`);
    }
    // splitmix32 expands one 32-bit seed into four well-mixed state words;
    // an all-zero state would be a fixed point, splitmix never yields four zeros.
    let x = Math.trunc(seed) >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) | 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /**
   * A generator whose four state words are given directly (the reference
   * implementation's seeding), e.g. to check it against published outputs.
   * Throws InvalidArgumentError for an all-zero state.
   */
  static fromState(state: readonly [number, number, number, number]): Random {
    const random = new Random(0);
    random.setState(state);
    return random;
  }

  /** The current state words (unsigned); `Random.fromState` continues the same stream. */
  getState(): [number, number, number, number] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  private setState(state: readonly [number, number, number, number]): void {
    if (state.every((word) => (word | 0) === 0)) {
      throw new InvalidArgumentError('Random state must not be all zeros');
    }
    this.s0 = state[0] | 0;
    this.s1 = state[1] | 0;
    this.s2 = state[2] | 0;
    this.s3 = state[3] | 0;
    this.spareNormal = Number.NaN;
  }

  /** Next unsigned 32-bit integer, uniform over [0, 2**32). */
  nextUint32(): number {
    const s1 = this.s1;
    const product = Math.imul(s1, 5);
    const result = Math.imul((product << 7) | (product >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result;
  }

  /** Uniform float in [0, 1), with 2**-32 resolution. */
  nextFloat(): number {
    return this.nextUint32() / 4294967296;
  }

  /**
   * Uniform integer in [0, n). `n` must be a positive integer <= 2**32.
   * Draws are rejected above the largest multiple of n below 2**32, so there is
   * no modulo bias (all arithmetic stays below 2**53, hence exact).
   */
  nextInt(n: number): number {
    if (!(n >= 1 && n <= 4294967296 && Number.isInteger(n))) {
      throw new InvalidArgumentError(`nextInt bound must be an integer in [1, 2**32], got ${String(n)}`);
    }
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** Uniform integer in [min, max], both inclusive. */
  intBetween(min: number, max: number): number {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
      throw new InvalidArgumentError(`intBetween needs integers min <= max, got ${min}, ${max}`);
    }
    return min + this.nextInt(max - min + 1);
  }

  /** Uniform float in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.nextFloat();
  }

  /** True with probability `p` (0..1). */
  bernoulli(p: number): boolean {
    return this.nextFloat() < p;
  }

  /**
   * Normal deviate with the given mean and standard deviation (defaults 0, 1),
   * by the Box-Muller transform; the second deviate of each pair is kept for the
   * next call.
   */
  normal(mean = 0, sd = 1): number {
    let z = this.spareNormal;
    if (Number.isNaN(z)) {
      // 1 - u keeps the logarithm's argument in (0, 1].
      const u = 1 - this.nextFloat();
      const v = this.nextFloat();
      const radius = Math.sqrt(-2 * Math.log(u));
      const angle = 2 * Math.PI * v;
      z = radius * Math.cos(angle);
      this.spareNormal = radius * Math.sin(angle);
    } else {
      this.spareNormal = Number.NaN;
    }
    return mean + sd * z;
  }

  /** One element of a non-empty array, uniformly. */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new InvalidArgumentError('choice needs a non-empty array');
    return items[this.nextInt(items.length)] as T;
  }

  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle<T, A extends { length: number; [index: number]: T }>(items: A): A {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const held = items[i] as T;
      items[i] = items[j] as T;
      items[j] = held;
    }
    return items;
  }

  /**
   * A new generator whose stream is independent of this one's continuation,
   * drawn from this one (advances this generator by one step).
   */
  fork(): Random {
    return new Random(this.nextUint32());
  }
}

/**
 * A seed for sub-task `index` of a run seeded with `seed` (tree i of a forest,
 * fold k of a cross-validation): the same pair always gives the same seed, no
 * matter in which order or on which worker the sub-tasks run.
 */
export function deriveSeed(seed: number, index: number): number {
  let h = Math.imul((Math.trunc(seed) >>> 0) ^ 0x3c6ef372, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15) ^ (Math.trunc(index) >>> 0), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Draws indices 0..n-1 with probability proportional to non-negative weights,
 * in O(1) per draw (Walker/Vose alias method), for categorical columns sampled
 * many times with fixed shares.
 */
export class WeightedSampler {
  private readonly probability: Float64Array;
  private readonly alias: Uint32Array;

  /** @param weights non-negative, finite, at least one positive. */
  constructor(weights: readonly number[]) {
    const n = weights.length;
    let total = 0;
    for (const w of weights) {
      if (!(w >= 0) || !Number.isFinite(w)) {
        throw new InvalidArgumentError(`weights must be finite and >= 0, got ${String(w)}`);
      }
      total += w;
    }
    if (n === 0 || total <= 0) throw new InvalidArgumentError('weights need at least one positive value');
    this.probability = new Float64Array(n);
    this.alias = new Uint32Array(n);
    const scaled = weights.map((w) => (w * n) / total);
    const small: number[] = [];
    const large: number[] = [];
    scaled.forEach((p, i) => (p < 1 ? small : large).push(i));
    while (small.length > 0 && large.length > 0) {
      const s = small.pop() as number;
      const l = large.pop() as number;
      this.probability[s] = scaled[s] as number;
      this.alias[s] = l;
      scaled[l] = (scaled[l] as number) + (scaled[s] as number) - 1;
      (scaled[l] < 1 ? small : large).push(l);
    }
    // Leftovers are 1 up to rounding error.
    for (const i of large) this.probability[i] = 1;
    for (const i of small) this.probability[i] = 1;
  }

  /** Number of categories. */
  get size(): number {
    return this.probability.length;
  }

  /** One index in [0, size). */
  sample(random: Random): number {
    const column = random.nextInt(this.probability.length);
    return random.nextFloat() < (this.probability[column] as number)
      ? column
      : (this.alias[column] as number);
  }
}
