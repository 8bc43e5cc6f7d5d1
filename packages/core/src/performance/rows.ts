/**
 * Checks of the inputs every performance function shares: probability rows in
 * PRICE_CATEGORIES order and category names. One place, so every function
 * names the bad row and value the same way.
 */
import { PRICE_CATEGORIES, type PriceCategory } from '../constants.js';
import { InvalidArgumentError } from '../errors.js';

/** Index of a category in PRICE_CATEGORIES; InvalidArgumentError naming `what` otherwise. */
export function categoryIndex(value: unknown, what: string): number {
  const index = (PRICE_CATEGORIES as readonly unknown[]).indexOf(value);
  if (index < 0) {
    throw new InvalidArgumentError(
      `${what} is ${JSON.stringify(value)}, expected one of ${PRICE_CATEGORIES.join(', ')}`,
    );
  }
  return index;
}

/**
 * A probability row checked (one finite, non-negative value per category) and
 * scaled to sum 1, so served rows with rounding residue are accepted.
 */
export function checkedProbabilityRow(row: readonly number[] | undefined, what: string): number[] {
  const k = PRICE_CATEGORIES.length;
  if (!row || row.length !== k) {
    throw new InvalidArgumentError(
      `${what} must hold ${k} probabilities (${PRICE_CATEGORIES.join(', ')}), got ${row ? row.length : String(row)}`,
    );
  }
  let sum = 0;
  for (let c = 0; c < k; c++) {
    const p = row[c]!;
    if (typeof p !== 'number' || !Number.isFinite(p) || p < 0) {
      throw new InvalidArgumentError(
        `${what}[${c}] (${PRICE_CATEGORIES[c]}) must be a finite number >= 0, got ${p}`,
      );
    }
    sum += p;
  }
  if (sum <= 0) throw new InvalidArgumentError(`${what} sums to 0; expected probabilities summing to 1`);
  return row.map((p) => p / sum);
}

/** Throws when two per-row arrays differ in length, naming both. */
export function checkSameLength(
  a: { length: number },
  aName: string,
  b: { length: number },
  bName: string,
): void {
  if (a.length !== b.length) {
    throw new InvalidArgumentError(
      `${aName} has ${a.length} rows but ${bName} has ${b.length}; they must pair up`,
    );
  }
}

/** The category of each class index, for readers of index-based results. */
export function categoryAt(index: number): PriceCategory {
  return PRICE_CATEGORIES[index]!;
}
