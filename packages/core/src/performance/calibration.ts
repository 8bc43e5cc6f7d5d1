/**
 * Probability calibration of the served model, fitted on its held-out rows:
 * the map from the probabilities it serves to probabilities that match how
 * often it is right, which performance estimation without labels relies on.
 *
 * Two families, both JSON-serialisable so the reference snapshot can carry them:
 * - temperature scaling: q_c ∝ p_c^(1/T), one parameter, keeps the arg-max.
 *   Probabilities are floored at TEMPERATURE_FLOOR first, because forest leaf
 *   shares are often exactly 0;
 * - per-class isotonic regression: for each category c a non-decreasing step
 *   map p_c -> P(truth = c), fitted by pool-adjacent-violators and applied with
 *   linear interpolation between block ends (as scikit-learn's
 *   IsotonicRegression), each output floored at ISOTONIC_FLOOR, then the row
 *   renormalised to sum 1. More flexible, can move the arg-max, needs more rows.
 * - `identity` leaves the probabilities as served (a model already calibrated).
 * Which one a model gets is chosen by fitCalibration (calibration-fit.ts).
 */
import { z } from 'zod';
import { PRICE_CATEGORIES } from '../constants.js';
import { InvalidArgumentError } from '../errors.js';
import { checkedProbabilityRow } from './rows.js';

/** Probabilities below this are raised to it before temperature scaling (log of 0 is -infinity). */
export const TEMPERATURE_FLOOR = 1e-6;
/** Each isotonic output is raised to this before renormalising, so no category gets probability 0. */
export const ISOTONIC_FLOOR = 1e-3;
/** The calibration methods. */
export const CALIBRATION_METHODS = ['identity', 'temperature', 'isotonic'] as const;
export type CalibrationMethod = (typeof CALIBRATION_METHODS)[number];

const isotonicMapSchema = z.object({
  /** Knots' probabilities, non-decreasing. */
  x: z.array(z.number()),
  /** Calibrated value at each knot, non-decreasing. */
  y: z.array(z.number()),
});

const selectionSchema = z.object({
  /** Cross-fitted held-out log loss and top-label ECE of each method tried. */
  candidates: z.array(
    z.object({ method: z.enum(CALIBRATION_METHODS), logLoss: z.number(), ece: z.number() }),
  ),
});

/** The serialized calibration's schema (checked when a reference snapshot is read). */
export const calibrationSchema = z.discriminatedUnion('method', [
  z.object({
    method: z.literal('identity'),
    rows: z.number().int().min(0),
    selection: selectionSchema.optional(),
  }),
  z.object({
    method: z.literal('temperature'),
    temperature: z.number().positive(),
    rows: z.number().int().min(0),
    selection: selectionSchema.optional(),
  }),
  z.object({
    method: z.literal('isotonic'),
    /** One map per category, in PRICE_CATEGORIES order. */
    classes: z.array(isotonicMapSchema).length(PRICE_CATEGORIES.length),
    rows: z.number().int().min(0),
    selection: selectionSchema.optional(),
  }),
]);

/** A fitted calibration (JSON-serialisable); `rows` = held-out rows it was fitted on. */
export type Calibration = z.infer<typeof calibrationSchema>;
export type IsotonicMap = z.infer<typeof isotonicMapSchema>;

/**
 * Calibrated probabilities of one served row (PRICE_CATEGORIES order; the
 * row is scaled to sum 1 first). The result sums to 1.
 * @throws InvalidArgumentError on a row of the wrong length or with a negative or non-finite value
 */
export function calibrateProbabilities(calibration: Calibration, row: readonly number[]): number[] {
  const p = checkedProbabilityRow(row, 'probability row');
  return calibrateChecked(calibration, p);
}

/** calibrateProbabilities for a row already checked and summing to 1. */
export function calibrateChecked(calibration: Calibration, p: readonly number[]): number[] {
  switch (calibration.method) {
    case 'identity':
      return [...p];
    case 'temperature':
      return temperatureScaled(p, calibration.temperature);
    case 'isotonic':
      return normalised(p.map((v, c) => Math.max(ISOTONIC_FLOOR, interpolate(calibration.classes[c]!, v))));
  }
}

/** q_c ∝ max(p_c, floor)^(1/T), computed in log space (softmax of log p / T). */
export function temperatureScaled(p: readonly number[], temperature: number): number[] {
  const logits = p.map((v) => Math.log(Math.max(TEMPERATURE_FLOOR, v)) / temperature);
  const top = Math.max(...logits);
  return normalised(logits.map((l) => Math.exp(l - top)));
}

function normalised(values: number[]): number[] {
  let sum = 0;
  for (const v of values) sum += v;
  return values.map((v) => v / sum);
}

/** Piecewise-linear through the knots, constant outside them. */
function interpolate(map: IsotonicMap, v: number): number {
  const { x, y } = map;
  const n = x.length;
  if (n === 0) return v;
  if (v <= x[0]!) return y[0]!;
  if (v >= x[n - 1]!) return y[n - 1]!;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid]! <= v) lo = mid;
    else hi = mid;
  }
  const span = x[hi]! - x[lo]!;
  return span === 0 ? y[hi]! : y[lo]! + ((v - x[lo]!) / span) * (y[hi]! - y[lo]!);
}

/**
 * Isotonic (non-decreasing) least-squares fit of `target` (0/1) on `score`,
 * by pool-adjacent-violators over the distinct scores. Returns the knots:
 * each pooled block's lowest and highest score at the block's mean.
 */
export function fitIsotonicMap(score: readonly number[], target: readonly number[]): IsotonicMap {
  const order = score.map((_, i) => i).sort((a, b) => score[a]! - score[b]!);
  // Blocks as parallel stacks: weight, mean, lowest and highest score.
  const weight: number[] = [];
  const mean: number[] = [];
  const low: number[] = [];
  const high: number[] = [];
  let i = 0;
  while (i < order.length) {
    // Equal scores form one starting block: the fit is a function of the score.
    const s = score[order[i]!]!;
    let sum = 0;
    let w = 0;
    while (i < order.length && score[order[i]!] === s) {
      sum += target[order[i]!]!;
      w++;
      i++;
    }
    weight.push(w);
    mean.push(sum / w);
    low.push(s);
    high.push(s);
    while (mean.length > 1 && mean[mean.length - 2]! >= mean[mean.length - 1]!) {
      const w2 = weight.pop()!;
      const m2 = mean.pop()!;
      const h2 = high.pop()!;
      low.pop();
      const top = mean.length - 1;
      const w1 = weight[top]!;
      mean[top] = (mean[top]! * w1 + m2 * w2) / (w1 + w2);
      weight[top] = w1 + w2;
      high[top] = h2;
    }
  }
  const x: number[] = [];
  const y: number[] = [];
  for (let b = 0; b < mean.length; b++) {
    x.push(low[b]!);
    y.push(mean[b]!);
    if (high[b]! > low[b]!) {
      x.push(high[b]!);
      y.push(mean[b]!);
    }
  }
  return { x, y };
}

/** Temperatures searched, on a log scale: far beyond what a forest or boosting blend needs. */
const LOG_TEMPERATURE_RANGE = [Math.log(0.05), Math.log(20)] as const;

/**
 * The temperature minimising the mean log loss of `rows` (checked, summing to 1)
 * against `truth` (class indices): golden-section search on log T, where the
 * loss is unimodal (it is convex in 1/T).
 */
export function fitTemperature(rows: readonly (readonly number[])[], truth: readonly number[]): number {
  const logs = rows.map((p) => p.map((v) => Math.log(Math.max(TEMPERATURE_FLOOR, v))));
  const loss = (logT: number): number => {
    const inv = Math.exp(-logT);
    let total = 0;
    for (let i = 0; i < logs.length; i++) {
      const l = logs[i]!;
      let top = -Infinity;
      for (const v of l) top = Math.max(top, v * inv);
      let sum = 0;
      for (const v of l) sum += Math.exp(v * inv - top);
      total += Math.log(sum) + top - l[truth[i]!]! * inv;
    }
    return total;
  };
  const ratio = (Math.sqrt(5) - 1) / 2;
  let [a, b] = LOG_TEMPERATURE_RANGE as readonly [number, number];
  let c = b - ratio * (b - a);
  let d = a + ratio * (b - a);
  let fc = loss(c);
  let fd = loss(d);
  for (let step = 0; step < 60 && b - a > 1e-5; step++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - ratio * (b - a);
      fc = loss(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + ratio * (b - a);
      fd = loss(d);
    }
  }
  return Math.exp((a + b) / 2);
}

/**
 * Fits one calibration method on checked rows (summing to 1) and truth indices.
 * @throws InvalidArgumentError with no rows
 */
export function fitCalibrationMethod(
  method: CalibrationMethod,
  rows: readonly (readonly number[])[],
  truth: readonly number[],
): Calibration {
  if (rows.length === 0) throw new InvalidArgumentError('cannot fit a calibration on 0 rows');
  switch (method) {
    case 'identity':
      return { method, rows: rows.length };
    case 'temperature':
      return { method, temperature: fitTemperature(rows, truth), rows: rows.length };
    case 'isotonic':
      return {
        method,
        classes: PRICE_CATEGORIES.map((_, c) =>
          fitIsotonicMap(
            rows.map((p) => p[c]!),
            truth.map((t) => (t === c ? 1 : 0)),
          ),
        ),
        rows: rows.length,
      };
  }
}
