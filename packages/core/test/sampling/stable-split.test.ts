import { describe, expect, it } from 'vitest';
import { type LabelledListing } from '../../src/listing/listing.js';
import { RAW_COLUMNS, formatRawListingsCsv, parseRawListingsCsv } from '../../src/listing/raw-listings.js';
import { stableHoldout } from '../../src/sampling/stable-split.js';
import { generateRawListings } from '../../src/synthetic/generator.js';

const listings = (rows: number, seed: number): LabelledListing[] =>
  parseRawListingsCsv(formatRawListingsCsv(generateRawListings({ rows, seed }), RAW_COLUMNS)).listings;

describe('stableHoldout', () => {
  const base = listings(4000, 1);

  it('holds out about the asked share of every class', () => {
    const { train, test } = stableHoldout(base, 0.2);
    expect(train.length + test.length).toBe(base.length);
    expect(test.length / base.length).toBeGreaterThan(0.17);
    expect(test.length / base.length).toBeLessThan(0.23);
    for (const label of ['low', 'medium', 'high'] as const) {
      const all = base.filter((l) => l.price_category === label).length;
      const held = test.filter((i) => base[i]!.price_category === label).length;
      expect(held / all, label).toBeGreaterThan(0.15);
      expect(held / all, label).toBeLessThan(0.25);
    }
  });

  it('keeps every listing on its side when more listings are added', () => {
    const more = [...listings(500, 9), ...base, ...listings(500, 10)];
    const before = new Set(stableHoldout(base, 0.2).test.map((i) => base[i]!));
    const after = new Set(stableHoldout(more, 0.2).test.map((i) => more[i]!));
    for (const listing of base) expect(after.has(listing)).toBe(before.has(listing));
  });

  it('puts duplicates on the same side', () => {
    const copy = base.map((l) => ({ ...l }));
    const { test } = stableHoldout([...base, ...copy], 0.2);
    const held = new Set(test);
    base.forEach((_, i) => expect(held.has(i)).toBe(held.has(i + base.length)));
  });

  it('refuses a fraction outside (0, 1)', () => {
    expect(() => stableHoldout(base, 1)).toThrow(/testFraction must be between 0 and 1/);
  });
});
