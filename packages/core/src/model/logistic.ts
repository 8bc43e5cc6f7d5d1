/**
 * The baseline model: multinomial logistic regression (softmax) with an L2
 * penalty on standardised features, fitted by L-BFGS. The old stack logged a
 * logistic regression next to the forest; keeping one tells whether the forest
 * earns its cost.
 *
 * Objective (mean over n rows, K classes, weights W of d features x K plus a
 * bias per class, the bias not penalised):
 *   f(W) = -1/n * sum_i log softmax(x_i W + b)[y_i] + l2/2 * ||W||^2
 * It is convex, so L-BFGS from zero converges to the one optimum and the fit is
 * deterministic (no random initialisation, no shuffling).
 */
import type { Dataset } from '../features/dataset.js';
import { BundleFormatError, InvalidArgumentError } from '../errors.js';

/** Fitting settings of the baseline. */
export interface LogisticOptions {
  /** L2 penalty on the (standardised) weights, per row of the mean loss. Default 1e-4. */
  l2?: number;
  /** Largest number of L-BFGS iterations. Default 300. */
  maxIterations?: number;
  /** Stop when the largest gradient component falls below this. Default 1e-5. */
  tolerance?: number;
  /** Corrections kept by L-BFGS. Default 10. */
  memory?: number;
}

/** Serialized form of a fitted LogisticRegression. */
export interface LogisticRegressionJSON {
  kind: typeof LOGISTIC_KIND;
  formatVersion: typeof LOGISTIC_FORMAT_VERSION;
  nFeatures: number;
  nClasses: number;
  /** Per-feature mean and standard deviation used to standardise inputs. */
  mean: number[];
  scale: number[];
  /** (nFeatures + 1) x nClasses, row-major; the last row is the bias. */
  weights: number[];
  iterations: number;
}

export const LOGISTIC_KIND = 'logistic-regression';
export const LOGISTIC_FORMAT_VERSION = 1;

/** A fitted multinomial logistic regression. */
export class LogisticRegression {
  /** L-BFGS iterations the fit used. */
  readonly iterations: number;
  private readonly scratch: Float64Array;

  private constructor(
    readonly nFeatures: number,
    readonly nClasses: number,
    private readonly mean: Float64Array,
    private readonly scale: Float64Array,
    private readonly weights: Float64Array,
    iterations: number,
  ) {
    this.iterations = iterations;
    this.scratch = new Float64Array(nFeatures);
  }

  /**
   * Fits the model. NaN inputs are treated as the feature's mean (0 after
   * standardisation); constant features get weight 0.
   * @param X training rows
   * @param y class index per row, 0 .. nClasses-1
   */
  static fit(
    X: Dataset,
    y: ArrayLike<number>,
    nClasses: number,
    options: LogisticOptions = {},
  ): LogisticRegression {
    const l2 = options.l2 ?? 1e-4;
    const maxIterations = options.maxIterations ?? 300;
    const tolerance = options.tolerance ?? 1e-5;
    const memory = options.memory ?? 10;
    const { nRows: n, nFeatures: d } = X;
    if (y.length !== n) throw new InvalidArgumentError(`y has ${y.length} labels for ${n} rows`);
    if (n === 0) throw new InvalidArgumentError('cannot fit a logistic regression on 0 rows');
    if (!(l2 >= 0)) throw new InvalidArgumentError(`l2 must be >= 0, got ${l2}`);
    for (let i = 0; i < n; i++) {
      const c = y[i]!;
      if (!Number.isInteger(c) || c < 0 || c >= nClasses) {
        throw new InvalidArgumentError(`y[${i}] must be a class index in 0..${nClasses - 1}, got ${c}`);
      }
    }
    const { mean, scale } = standardisation(X);
    // Standardised copy with a trailing 1 per row for the bias: Z is n x (d + 1).
    const width = d + 1;
    const Z = new Float64Array(n * width);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const v = X.data[i * d + j]!;
        Z[i * width + j] = Number.isNaN(v) ? 0 : (v - mean[j]!) / scale[j]!;
      }
      Z[i * width + d] = 1;
    }
    const K = nClasses;
    const nParams = width * K;
    const logits = new Float64Array(K);
    const objective = (w: Float64Array, grad: Float64Array): number => {
      grad.fill(0);
      let loss = 0;
      for (let i = 0; i < n; i++) {
        const row = i * width;
        let max = -Infinity;
        for (let c = 0; c < K; c++) {
          let s = 0;
          for (let j = 0; j < width; j++) s += Z[row + j]! * w[j * K + c]!;
          logits[c] = s;
          if (s > max) max = s;
        }
        let sum = 0;
        for (let c = 0; c < K; c++) sum += Math.exp(logits[c]! - max);
        const logSum = max + Math.log(sum);
        const yi = y[i]!;
        loss += logSum - logits[yi]!;
        for (let c = 0; c < K; c++) {
          const residual = Math.exp(logits[c]! - logSum) - (c === yi ? 1 : 0);
          if (residual === 0) continue;
          for (let j = 0; j < width; j++) grad[j * K + c]! += Z[row + j]! * residual;
        }
      }
      loss /= n;
      for (let p = 0; p < nParams; p++) grad[p]! /= n;
      // Penalise weights, not biases (the last row of w).
      for (let p = 0; p < d * K; p++) {
        loss += 0.5 * l2 * w[p]! * w[p]!;
        grad[p]! += l2 * w[p]!;
      }
      return loss;
    };
    const weights = new Float64Array(nParams);
    const iterations = minimiseLbfgs(objective, weights, { maxIterations, tolerance, memory });
    return new LogisticRegression(d, K, mean, scale, weights, iterations);
  }

  /**
   * Class probabilities of one row (`nFeatures` values, NaN = missing), written
   * into `out` (allocated when absent) and returned. Allocation-free with `out`.
   */
  predictProba(row: ArrayLike<number>, out: Float64Array = new Float64Array(this.nClasses)): Float64Array {
    const d = this.nFeatures;
    const K = this.nClasses;
    const z = this.scratch;
    for (let j = 0; j < d; j++) {
      const v = row[j]!;
      z[j] = Number.isNaN(v) ? 0 : (v - this.mean[j]!) / this.scale[j]!;
    }
    let max = -Infinity;
    for (let c = 0; c < K; c++) {
      let s = this.weights[d * K + c]!;
      for (let j = 0; j < d; j++) s += z[j]! * this.weights[j * K + c]!;
      out[c] = s;
      if (s > max) max = s;
    }
    let sum = 0;
    for (let c = 0; c < K; c++) {
      const e = Math.exp(out[c]! - max);
      out[c] = e;
      sum += e;
    }
    for (let c = 0; c < K; c++) out[c]! /= sum;
    return out;
  }

  /** Class probabilities of every row, row-major (`nRows * nClasses`). */
  predictProbaBatch(X: Dataset): Float64Array {
    if (X.nFeatures !== this.nFeatures) {
      throw new InvalidArgumentError(`X has ${X.nFeatures} features, the model expects ${this.nFeatures}`);
    }
    const K = this.nClasses;
    const result = new Float64Array(X.nRows * K);
    for (let i = 0; i < X.nRows; i++) {
      this.predictProba(
        X.data.subarray(i * X.nFeatures, (i + 1) * X.nFeatures),
        result.subarray(i * K, (i + 1) * K),
      );
    }
    return result;
  }

  toJSON(): LogisticRegressionJSON {
    return {
      kind: LOGISTIC_KIND,
      formatVersion: LOGISTIC_FORMAT_VERSION,
      nFeatures: this.nFeatures,
      nClasses: this.nClasses,
      mean: Array.from(this.mean),
      scale: Array.from(this.scale),
      weights: Array.from(this.weights),
      iterations: this.iterations,
    };
  }

  /** Rebuilds a model from `toJSON()` output; BundleFormatError on another kind or version. */
  static fromJSON(json: LogisticRegressionJSON): LogisticRegression {
    if (json?.kind !== LOGISTIC_KIND) {
      throw new BundleFormatError(
        `not a logistic regression: got kind ${String(json?.kind)}, expected ${LOGISTIC_KIND}`,
      );
    }
    if (json.formatVersion !== LOGISTIC_FORMAT_VERSION) {
      throw new BundleFormatError(
        `logistic regression format: got v${String(json.formatVersion)}, expected v${LOGISTIC_FORMAT_VERSION}`,
      );
    }
    const { nFeatures: d, nClasses: K } = json;
    if (json.mean.length !== d || json.scale.length !== d || json.weights.length !== (d + 1) * K) {
      throw new BundleFormatError(`logistic regression arrays do not match ${d} features x ${K} classes`);
    }
    return new LogisticRegression(
      d,
      K,
      Float64Array.from(json.mean),
      Float64Array.from(json.scale),
      Float64Array.from(json.weights),
      json.iterations,
    );
  }
}

/** Mean and standard deviation of each column over its non-missing values (scale 1 when constant). */
function standardisation(X: Dataset): { mean: Float64Array; scale: Float64Array } {
  const { nRows: n, nFeatures: d, data } = X;
  const mean = new Float64Array(d);
  const scale = new Float64Array(d);
  const count = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const v = data[i * d + j]!;
      if (!Number.isNaN(v)) {
        mean[j]! += v;
        count[j]!++;
      }
    }
  }
  for (let j = 0; j < d; j++) mean[j] = count[j]! > 0 ? mean[j]! / count[j]! : 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const v = data[i * d + j]!;
      if (!Number.isNaN(v)) scale[j]! += (v - mean[j]!) ** 2;
    }
  }
  for (let j = 0; j < d; j++) {
    const sd = count[j]! > 0 ? Math.sqrt(scale[j]! / count[j]!) : 0;
    scale[j] = sd > 1e-12 ? sd : 1;
  }
  return { mean, scale };
}

/**
 * Limited-memory BFGS (Nocedal and Wright, Numerical Optimization, 2nd ed.,
 * algorithm 7.4 two-loop recursion) with a backtracking Armijo line search.
 * Minimises `f` in place starting from `x`; returns the iterations used.
 */
function minimiseLbfgs(
  f: (x: Float64Array, grad: Float64Array) => number,
  x: Float64Array,
  settings: { maxIterations: number; tolerance: number; memory: number },
): number {
  const p = x.length;
  const grad = new Float64Array(p);
  const nextGrad = new Float64Array(p);
  const nextX = new Float64Array(p);
  const direction = new Float64Array(p);
  const s: Float64Array[] = [];
  const yv: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(settings.memory);
  let value = f(x, grad);
  let iteration = 0;
  for (; iteration < settings.maxIterations; iteration++) {
    if (maxAbs(grad) < settings.tolerance) break;
    // Two-loop recursion: direction = -H * grad.
    for (let i = 0; i < p; i++) direction[i] = -grad[i]!;
    for (let m = s.length - 1; m >= 0; m--) {
      alpha[m] = rho[m]! * dot(s[m]!, direction);
      axpy(-alpha[m]!, yv[m]!, direction);
    }
    const last = s.length - 1;
    // Initial Hessian scaling gamma = s'y / y'y; before any pair, a step of unit length.
    const gamma =
      last >= 0 ? dot(s[last]!, yv[last]!) / dot(yv[last]!, yv[last]!) : 1 / Math.max(1, norm(grad));
    for (let i = 0; i < p; i++) direction[i]! *= gamma;
    for (let m = 0; m < s.length; m++) {
      const beta = rho[m]! * dot(yv[m]!, direction);
      axpy(alpha[m]! - beta, s[m]!, direction);
    }
    let slope = dot(grad, direction);
    if (!(slope < 0)) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      s.length = yv.length = rho.length = 0;
      for (let i = 0; i < p; i++) direction[i] = -grad[i]! / Math.max(1, norm(grad));
      slope = dot(grad, direction);
    }
    let step = 1;
    let nextValue = Infinity;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < p; i++) nextX[i] = x[i]! + step * direction[i]!;
      nextValue = f(nextX, nextGrad);
      if (nextValue <= value + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(nextValue < value)) break; // no progress possible at this precision
    const sNew = new Float64Array(p);
    const yNew = new Float64Array(p);
    for (let i = 0; i < p; i++) {
      sNew[i] = nextX[i]! - x[i]!;
      yNew[i] = nextGrad[i]! - grad[i]!;
    }
    const sy = dot(sNew, yNew);
    if (sy > 1e-12) {
      if (s.length === settings.memory) {
        s.shift();
        yv.shift();
        rho.shift();
      }
      s.push(sNew);
      yv.push(yNew);
      rho.push(1 / sy);
    }
    const improvement = value - nextValue;
    x.set(nextX);
    grad.set(nextGrad);
    value = nextValue;
    if (improvement < 1e-12 * Math.max(1, Math.abs(value))) {
      iteration++;
      break;
    }
  }
  return iteration;
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i]! += a * x[i]!;
}

function norm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}

function maxAbs(a: Float64Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]!));
  return max;
}
