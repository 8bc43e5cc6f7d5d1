import { beforeAll, describe, expect, it } from 'vitest';
import type { LabelledListing } from '../../src/listing/listing.js';
import { DISTRICTS } from '../../src/listing/vocabulary.js';
import { DISTRICT_PROFILES } from '../../src/synthetic/district-profiles.js';
import { generateRawListings } from '../../src/synthetic/generator.js';
import { highShare, parsed } from './fixtures.js';

describe('DISTRICT_PROFILES', () => {
  it('profiles every district of the vocabulary with a price level and its neighbourhoods', () => {
    expect(Object.keys(DISTRICT_PROFILES).sort()).toEqual([...DISTRICTS].sort());
    for (const profile of Object.values(DISTRICT_PROFILES)) {
      expect(profile.pricePerM2).toBeGreaterThan(0);
      expect(profile.neighbourhoods.length).toBeGreaterThan(0);
      expect(new Set(profile.neighbourhoods).size).toBe(profile.neighbourhoods.length);
    }
  });
});

describe('district price levels in generated listings', () => {
  // The reference: a large undrifted set, as in the generator's tests.
  let reference: LabelledListing[];
  beforeAll(() => {
    reference = parsed(generateRawListings({ rows: 20_000, seed: 1 }));
  });

  it('prices districts the way Istanbul does: Beşiktaş, Sarıyer and Kadıköy high, Esenyurt and Sultanbeyli low', () => {
    const share = (district: string) => highShare(reference.filter((l) => l.district === district));
    for (const rich of ['besiktas', 'sariyer', 'kadikoy']) expect(share(rich)).toBeGreaterThan(0.5);
    for (const poor of ['esenyurt', 'sultanbeyli']) expect(share(poor)).toBeLessThan(0.05);
  });
});
