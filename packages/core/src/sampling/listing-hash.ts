/**
 * One content hash of a labelled listing, used twice: its position in [0, 1)
 * decides the stable hold-out side (stable-split.ts), and the hashes of many
 * listings in order are the data fingerprint a model records of its training
 * data. Equal listings (duplicates) hash equally.
 */
import { createHash } from 'node:crypto';
import { LISTING_FIELDS, type LabelledListing } from '../listing/listing.js';

/** The text a listing is hashed as: its fields in LISTING_FIELDS order, then its label. */
function listingContent(listing: LabelledListing): string {
  return JSON.stringify([...LISTING_FIELDS.map((f) => listing[f]), listing.price_category]);
}

/** Where a listing falls in [0, 1): the first 32 bits of the sha256 of its content. */
export function listingHashPosition(listing: LabelledListing): number {
  return createHash('sha256').update(listingContent(listing)).digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * sha256 (hex) of the listings' contents in order, one per line: the same data
 * gives the same fingerprint, so a registry run and a bundle can tell which
 * listings trained them.
 */
export function listingsFingerprint(listings: readonly LabelledListing[]): string {
  const hash = createHash('sha256');
  for (const listing of listings) {
    hash.update(listingContent(listing));
    hash.update('\n');
  }
  return hash.digest('hex');
}
