/**
 * The multinomial (softmax) loss of the boosting, as sklearn's
 * HalfMultinomialLoss: raw scores start at the log of the weighted class
 * priors; each round computes softmax probabilities p and, per class k,
 * gradients g = w (p_k - [y = k]) and hessians h = w p_k (1 - p_k), stored
 * as float32 like sklearn's, on which one regression tree per class is grown.
 */

/** Hessians are clipped to at least this, so a confident row never has exactly zero curvature. */
const MIN_ROW_HESSIAN = 1e-16;

/** Softmax of `a[start .. start + n)` in place, shifted by the maximum so exp cannot overflow. */
export function softmaxInPlace(a: Float64Array, start: number, n: number): void {
  let max = -Infinity;
  for (let k = 0; k < n; k++) if (a[start + k]! > max) max = a[start + k]!;
  let sum = 0;
  for (let k = 0; k < n; k++) {
    const e = Math.exp(a[start + k]! - max);
    a[start + k] = e;
    sum += e;
  }
  for (let k = 0; k < n; k++) a[start + k]! /= sum;
}

/**
 * Raw scores of the constant model: log of each class's weighted share,
 * clipped away from 0 and 1, minus their mean (sklearn's symmetric
 * multinomial link; the shift does not change any probability).
 */
export function baselineScores(labels: Uint8Array, weights: Float64Array, K: number): Float64Array {
  const share = new Float64Array(K);
  let total = 0;
  for (let r = 0; r < labels.length; r++) {
    share[labels[r]!]! += weights[r]!;
    total += weights[r]!;
  }
  const eps = Number.EPSILON;
  let mean = 0;
  for (let k = 0; k < K; k++) {
    share[k] = Math.log(Math.min(Math.max(share[k]! / total, eps), 1 - eps));
    mean += share[k]!;
  }
  mean /= K;
  for (let k = 0; k < K; k++) share[k]! -= mean;
  return share;
}

/** gh[2 (r K + k)] = w (p_k - [y = k]), gh[2 (r K + k) + 1] = w p_k (1 - p_k), clipped >= MIN_ROW_HESSIAN. */
export function softmaxGradients(
  raw: Float64Array,
  labels: Uint8Array,
  weights: Float64Array,
  K: number,
  gh: Float32Array,
): void {
  const p = new Float64Array(K);
  const n = labels.length;
  for (let r = 0; r < n; r++) {
    const base = r * K;
    let max = -Infinity;
    for (let k = 0; k < K; k++) if (raw[base + k]! > max) max = raw[base + k]!;
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp(raw[base + k]! - max);
      p[k] = e;
      sum += e;
    }
    const w = weights[r]!;
    const y = labels[r]!;
    for (let k = 0; k < K; k++) {
      const pk = p[k]! / sum;
      gh[2 * (base + k)] = (pk - (y === k ? 1 : 0)) * w;
      gh[2 * (base + k) + 1] = Math.max(pk * (1 - pk) * w, MIN_ROW_HESSIAN);
    }
  }
}
