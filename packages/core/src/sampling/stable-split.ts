import { InvalidArgumentError } from '../errors.js';
import type { LabelledListing } from '../listing/listing.js';
import { listingHashPosition } from './listing-hash.js';

/**
 * Splits listings into train and test by their content hash: a listing is in
 * test when its hash position is below `testFraction`. Unlike a shuffled split,
 * a listing stays on the same side however many listings are added around it,
 * so a model retrained on more data is scored on listings that no earlier
 * version trained on, and the promotion gate compares versions fairly. Every
 * class gets about `testFraction` of its rows (the hash is independent of the
 * label), and duplicates never straddle the split.
 * @returns ascending row indices of each side
 */
export function stableHoldout(
  listings: readonly LabelledListing[],
  testFraction: number,
): { train: number[]; test: number[] } {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new InvalidArgumentError(`testFraction must be between 0 and 1 (exclusive), got ${testFraction}`);
  }
  const train: number[] = [];
  const test: number[] = [];
  listings.forEach((listing, i) => (listingHashPosition(listing) < testFraction ? test : train).push(i));
  return { train, test };
}
