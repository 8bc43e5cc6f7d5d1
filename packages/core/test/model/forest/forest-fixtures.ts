/**
 * Small seeded classification sets for the forest and checkpoint tests: made
 * here, so the tests need no data files.
 */
import type { Dataset } from '../../../src/features/dataset.js';
import { Random } from '../../../src/sampling/random.js';

/**
 * Three classes decided by the first two of `nFeatures` uniform features
 * (x0 + x1 < 0.7 -> 0, < 1.3 -> 1, else 2), with `noise` of the labels
 * replaced at random and `missing` of the cells set to NaN.
 */
export function threeClassSet(
  nRows: number,
  seed: number,
  options: { nFeatures?: number; noise?: number; missing?: number } = {},
): { X: Dataset; y: Uint8Array } {
  const nFeatures = options.nFeatures ?? 6;
  const random = new Random(seed);
  const data = new Float64Array(nRows * nFeatures);
  const y = new Uint8Array(nRows);
  for (let r = 0; r < nRows; r++) {
    for (let f = 0; f < nFeatures; f++) data[r * nFeatures + f] = random.nextFloat();
    const s = data[r * nFeatures]! + data[r * nFeatures + 1]!;
    y[r] = s < 0.7 ? 0 : s < 1.3 ? 1 : 2;
    if (random.nextFloat() < (options.noise ?? 0)) y[r] = random.nextInt(3);
    for (let f = 0; f < nFeatures; f++) {
      if (random.nextFloat() < (options.missing ?? 0)) data[r * nFeatures + f] = Number.NaN;
    }
  }
  return { X: { data, nRows, nFeatures }, y };
}
