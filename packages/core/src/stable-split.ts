import { createHash } from 'node:crypto';
import { InvalidArgumentError } from './errors.js';
import { LISTING_FIELDS, type LabelledListing } from './listing.js';

/**
 * Where a listing falls in [0, 1): the first 32 bits of the sha256 of its
 * fields and label. Equal listings (duplicates) get equal positions.
 */
export function listingHashPosition(listing: LabelledListing): number {
  const digest = createHash('sha256')
    .update(JSON.stringify([...LISTING_FIELDS.map((f) => listing[f]), listing.price_category]))
    .digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

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
