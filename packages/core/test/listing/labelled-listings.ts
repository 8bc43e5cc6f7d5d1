/**
 * Labelled listings for the model tests, made by the seeded synthetic
 * generator and read back through the raw-CSV parser (the same path real data
 * takes), so no test needs a data file.
 */
import type { LabelledListing } from '../../src/listing/listing.js';
import { formatRawListingsCsv, parseRawListingsCsv } from '../../src/listing/raw-listings.js';
import { generateRawListings, type SyntheticDrift } from '../../src/synthetic/generator.js';

/** `rows` parsed synthetic listings for `seed` (optionally drifted). */
export function labelledListings(rows: number, seed: number, drift?: SyntheticDrift): LabelledListing[] {
  const csv = formatRawListingsCsv(generateRawListings({ rows, seed, drift: drift ?? null }));
  return parseRawListingsCsv(csv, { file: `synthetic-${seed}.csv` }).listings;
}
