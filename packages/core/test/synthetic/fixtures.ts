/**
 * Reading generated rows back and summarising them, shared by the synthetic
 * generator's tests.
 */
import { expect } from 'vitest';
import type { LabelledListing } from '../../src/listing/listing.js';
import {
  formatRawListingsCsv,
  parseRawListingsCsv,
  type RawListingRow,
} from '../../src/listing/raw-listings.js';

/** Parses generated rows with the real loader, which must find no bad rows. */
export function parsed(rows: RawListingRow[]): LabelledListing[] {
  const load = parseRawListingsCsv(formatRawListingsCsv(rows), { maxBadRowFraction: 0 });
  expect(load.badRows).toEqual([]);
  return load.listings;
}

/** Share of listings labelled `high`. */
export function highShare(listings: readonly LabelledListing[]): number {
  return listings.filter((l) => l.price_category === 'high').length / listings.length;
}
