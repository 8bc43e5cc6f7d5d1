/**
 * Probability rows with known truth for the performance tests: each row's
 * true probabilities are drawn, the truth is drawn from them, and the served
 * row is those probabilities sharpened (over-confident, like a forest) or not.
 */
import { PRICE_CATEGORIES, type PriceCategory } from '../../src/constants.js';
import { Random } from '../../src/sampling/random.js';

export interface ScoredRows {
  /** What the model serves. */
  served: number[][];
  /** The probabilities the truth was drawn from. */
  exact: number[][];
  truth: PriceCategory[];
  /** Arg-max of the served rows. */
  predicted: PriceCategory[];
}

function argmax(row: readonly number[]): number {
  let best = 0;
  for (let c = 1; c < row.length; c++) if (row[c]! > row[best]!) best = c;
  return best;
}

/** `n` rows; `sharpen` > 1 makes the served rows over-confident (p^sharpen renormalised). */
export function scoredRows(n: number, seed: number, sharpen = 1): ScoredRows {
  const random = new Random(seed);
  const served: number[][] = [];
  const exact: number[][] = [];
  const truth: PriceCategory[] = [];
  for (let i = 0; i < n; i++) {
    // Logits with a dominant class now and then, so confidences spread over (1/3, 1).
    const logits = PRICE_CATEGORIES.map(() => random.normal(0, 1.3));
    const e = logits.map((l) => Math.exp(l));
    const sum = e.reduce((a, b) => a + b, 0);
    const q = e.map((v) => v / sum);
    const u = random.nextFloat();
    let t = 0;
    let acc = q[0]!;
    while (u > acc && t < q.length - 1) acc += q[++t]!;
    const s = q.map((v) => v ** sharpen);
    const ss = s.reduce((a, b) => a + b, 0);
    exact.push(q);
    served.push(s.map((v) => v / ss));
    truth.push(PRICE_CATEGORIES[t]!);
  }
  return { served, exact, truth, predicted: served.map((r) => PRICE_CATEGORIES[argmax(r)]!) };
}
