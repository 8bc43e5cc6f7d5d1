import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { type LabelledListing } from '../../src/listing/listing.js';
import { loadRawListings, RAW_COLUMNS } from '../../src/listing/raw-listings.js';
import { DISTRICTS, FLOOR_LOCATIONS, HEATING_TYPES, STRUCTURE_TYPES } from '../../src/listing/vocabulary.js';
import {
  generateRawListings,
  SUBSCRIPTION_TIERS,
  SYNTHETIC_DRIFT_SCENARIOS,
  syntheticPriceThresholds,
  writeSyntheticListings,
} from '../../src/synthetic/generator.js';
import { highShare, parsed } from './fixtures.js';

function shares(values: readonly (string | null)[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
  for (const [k, c] of counts) counts.set(k, c / values.length);
  return counts;
}

/** Total-variation distance between two categorical distributions: half the L1 distance of their shares. */
function totalVariation(a: readonly (string | null)[], b: readonly (string | null)[]): number {
  const p = shares(a);
  const q = shares(b);
  let sum = 0;
  for (const key of new Set([...p.keys(), ...q.keys()]))
    sum += Math.abs((p.get(key) ?? 0) - (q.get(key) ?? 0));
  return sum / 2;
}

function meanPrice(listings: readonly LabelledListing[]): number {
  return listings.reduce((acc, l) => acc + (l.price as number), 0) / listings.length;
}

function unseenShare(listings: readonly LabelledListing[], known: ReadonlySet<string | null>): number {
  return listings.filter((l) => !known.has(l.address)).length / listings.length;
}

function correlation(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

// The reference: a large undrifted set at one seed; comparisons use other seeds.
let reference: LabelledListing[];
let referenceAddresses: Set<string | null>;
beforeAll(() => {
  reference = parsed(generateRawListings({ rows: 20_000, seed: 1 }));
  referenceAddresses = new Set(reference.map((l) => l.address));
});

describe('generateRawListings', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = generateRawListings({ rows: 500, seed: 7 });
    expect(generateRawListings({ rows: 500, seed: 7 })).toEqual(a);
    expect(generateRawListings({ rows: 500, seed: 8 })).not.toEqual(a);
    for (const drift of SYNTHETIC_DRIFT_SCENARIOS) {
      expect(generateRawListings({ rows: 200, seed: 7, drift })).toEqual(
        generateRawListings({ rows: 200, seed: 7, drift }),
      );
    }
  });

  it('gives a prefix of a longer run for fewer rows', () => {
    expect(generateRawListings({ rows: 50, seed: 3 })).toEqual(
      generateRawListings({ rows: 200, seed: 3 }).slice(0, 50),
    );
  });

  it('writes every raw column as a string in the portal forms', () => {
    const forms: Record<string, RegExp> = {
      GrossSquareMeters: /^\d+ m2$/,
      NetSquareMeters: /^\d+ m2$/,
      BuildingAge: /^([0-4]|5-10|11-15|16-20|21 Ve Üzeri)$/,
      NumberOfRooms: /^(\d(\.5)?\+1|Stüdyo)$/,
      AdCreationDate:
        /^\d{1,2} (Ocak|Şubat|Mart|Nisan|Mayıs|Haziran|Temmuz|Ağustos|Eylül|Ekim|Kasım|Aralık) 2022$/,
      address:
        /^\['Anasayfa', 'Satılık Daire', 'İstanbul Satılık Daire', '.+ Satılık Daire', '.+ Mh\. Satılık Daire'\]$/,
      price: /^\d{1,3}(,\d{3})* TL$/,
      price_category: /^(low|medium|high)$/,
    };
    const problems: string[] = [];
    for (const row of generateRawListings({ rows: 2000, seed: 11 })) {
      if (Object.keys(row).sort().join() !== [...RAW_COLUMNS].sort().join())
        problems.push(Object.keys(row).join());
      for (const [column, value] of Object.entries(row)) {
        if (typeof value !== 'string' || !(forms[column]?.test(value) ?? value !== '')) {
          problems.push(`${column}: ${String(value)}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('uses only the real vocabularies and the subscription tiers', () => {
    const vocabulary = {
      district: DISTRICTS,
      HeatingType: HEATING_TYPES,
      StructureType: STRUCTURE_TYPES,
      FloorLocation: FLOOR_LOCATIONS,
      Subscription: SUBSCRIPTION_TIERS,
    } as const;
    for (const [field, values] of Object.entries(vocabulary)) {
      const seen = new Set(reference.map((l) => l[field as keyof typeof vocabulary]));
      for (const value of seen) expect(values as readonly (string | null)[]).toContain(value);
      // Common values all occur; the rarest (a handful of rows in 20,124) may not.
      expect(seen.size).toBeGreaterThanOrEqual(Math.min(values.length, field === 'FloorLocation' ? 45 : 5));
    }
    expect(new Set(reference.map((l) => l.district)).size).toBe(39);
  });

  it('draws plausible listings: net below gross, rooms growing with size, ads across 2022', () => {
    const implausible = reference.filter(
      (l) =>
        !(l.NetSquareMeters! < l.GrossSquareMeters! && l.GrossSquareMeters! >= 35 && l.NumberOfRooms! >= 1),
    );
    expect(implausible).toEqual([]);
    expect(
      correlation(
        reference.map((l) => l.NetSquareMeters!),
        reference.map((l) => l.NumberOfRooms!),
      ),
    ).toBeGreaterThan(0.6);
    const months = shares(reference.map((l) => l.AdCreationDate));
    expect(months.size).toBe(12);
    for (const share of months.values()) expect(share).toBeGreaterThan(0.06);
  });

  it('gives the breadcrumb a moderate number of distinct values, structured by district', () => {
    expect(referenceAddresses.size).toBeGreaterThan(150);
    expect(referenceAddresses.size).toBeLessThan(400);
    const kadikoy = reference.find((l) => l.district === 'kadikoy')!;
    expect(kadikoy.address).toMatch(
      /^Anasayfa > Satılık Daire > İstanbul Satılık Daire > Kadıköy Satılık Daire > .+ Mh\. Satılık Daire$/,
    );
  });

  it('labels about 40/40/20 % low/medium/high, consistently with the price cut points', () => {
    const counts = shares(reference.map((l) => l.price_category));
    expect(counts.get('low')).toBeCloseTo(0.4, 1);
    expect(counts.get('medium')).toBeCloseTo(0.4, 1);
    expect(counts.get('high')).toBeCloseTo(0.2, 1);
    const { low, high } = syntheticPriceThresholds();
    const inconsistent = reference.filter(
      (l) => l.price_category !== (l.price! <= low ? 'low' : l.price! <= high ? 'medium' : 'high'),
    );
    expect(inconsistent).toEqual([]);
  });

  it('makes the label learnable but not a function of the features', () => {
    // District alone beats always guessing the majority class (about 0.4) ...
    const byDistrict = new Map<string, Map<string, number>>();
    for (const l of reference) {
      const counts = byDistrict.get(l.district!) ?? new Map<string, number>();
      counts.set(l.price_category, (counts.get(l.price_category) ?? 0) + 1);
      byDistrict.set(l.district!, counts);
    }
    const holdout = parsed(generateRawListings({ rows: 5000, seed: 2 }));
    const majority = (district: string) =>
      [...byDistrict.get(district)!.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    const accuracy =
      holdout.filter((l) => majority(l.district!) === l.price_category).length / holdout.length;
    expect(accuracy).toBeGreaterThan(0.55);
    expect(accuracy).toBeLessThan(0.8);
    // ... and listings alike in neighbourhood, size, age bucket and ad month still fall in
    // different classes, because part of the price is unobserved noise.
    const labelsByFeatures = new Map<string, Set<string>>();
    for (const l of reference) {
      const key = [l.address, l.GrossSquareMeters, l.BuildingAge, l.AdCreationDate].join('|');
      labelsByFeatures.set(key, (labelsByFeatures.get(key) ?? new Set()).add(l.price_category));
    }
    const mixed = [...labelsByFeatures.values()].filter((labels) => labels.size > 1).length;
    expect(mixed).toBeGreaterThan(20);
  });

  it('rejects invalid options naming the value', () => {
    expect(() => generateRawListings({ rows: -1, seed: 1 })).toThrow(InvalidArgumentError);
    expect(() => generateRawListings({ rows: 1.5, seed: 1 })).toThrow(/rows must be an integer .* got 1.5/);
    expect(() => generateRawListings({ rows: 1, seed: -3 })).toThrow(/seed must be an integer .* got -3/);
    expect(() => generateRawListings({ rows: 1, seed: 1, drift: 'weather' as never })).toThrow(
      /drift must be one of district-shift, unseen-addresses, price-shift, got "weather"/,
    );
    expect(generateRawListings({ rows: 0, seed: 1 })).toEqual([]);
  });
});

describe('drift scenarios', () => {
  let undrifted: LabelledListing[];
  beforeAll(() => {
    undrifted = parsed(generateRawListings({ rows: 5000, seed: 99 }));
  });

  it('lists the three scenarios', () => {
    expect(SYNTHETIC_DRIFT_SCENARIOS).toEqual(['district-shift', 'unseen-addresses', 'price-shift']);
  });

  it('an undrifted set at another seed moves none of the statistics', () => {
    expect(
      totalVariation(
        undrifted.map((l) => l.district),
        reference.map((l) => l.district),
      ),
    ).toBeLessThan(0.08);
    expect(unseenShare(undrifted, referenceAddresses)).toBeLessThan(0.01);
    expect(Math.abs(highShare(undrifted) - highShare(reference))).toBeLessThan(0.03);
    expect(meanPrice(undrifted) / meanPrice(reference)).toBeGreaterThan(0.95);
    expect(meanPrice(undrifted) / meanPrice(reference)).toBeLessThan(1.05);
  });

  it('district-shift concentrates traffic on districts rare in the reference', () => {
    const drifted = parsed(generateRawListings({ rows: 5000, seed: 99, drift: 'district-shift' }));
    expect(
      totalVariation(
        drifted.map((l) => l.district),
        reference.map((l) => l.district),
      ),
    ).toBeGreaterThan(0.4);
    const referenceShare = shares(reference.map((l) => l.district));
    const rare = DISTRICTS.filter((d) => (referenceShare.get(d) ?? 0) < 0.01);
    const driftedShare = shares(drifted.map((l) => l.district));
    const rareTraffic = rare.reduce((acc, d) => acc + (driftedShare.get(d) ?? 0), 0);
    expect(rareTraffic).toBeGreaterThan(0.5);
  });

  it('unseen-addresses floods the traffic with addresses the undrifted generator never writes', () => {
    const drifted = parsed(generateRawListings({ rows: 5000, seed: 99, drift: 'unseen-addresses' }));
    expect(unseenShare(drifted, referenceAddresses)).toBeGreaterThan(0.8);
    expect(new Set(drifted.map((l) => l.address)).size).toBeGreaterThan(3 * referenceAddresses.size);
    // The rest of the listing is drawn as usual.
    expect(
      totalVariation(
        drifted.map((l) => l.district),
        reference.map((l) => l.district),
      ),
    ).toBeLessThan(0.08);
  });

  it('price-shift moves prices and labels up with more large luxury listings', () => {
    const drifted = parsed(generateRawListings({ rows: 5000, seed: 99, drift: 'price-shift' }));
    expect(highShare(drifted)).toBeGreaterThan(highShare(reference) + 0.2);
    expect(meanPrice(drifted) / meanPrice(reference)).toBeGreaterThan(1.5);
    const meanGross = (ls: LabelledListing[]) => ls.reduce((a, l) => a + l.GrossSquareMeters!, 0) / ls.length;
    expect(meanGross(drifted) / meanGross(reference)).toBeGreaterThan(1.15);
  });
});

describe('writeSyntheticListings', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'synthetic-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('writes a raw CSV, creating folders, that the loader reads back without bad rows', async () => {
    const path = join(folder, 'data', 'raw', 'listings.csv');
    const written = await writeSyntheticListings(path, { rows: 300, seed: 5, drift: 'price-shift' });
    expect(written).toMatchObject({ path, rows: 300, seed: 5, drift: 'price-shift' });
    const load = await loadRawListings(path, { maxBadRowFraction: 0 });
    expect(load.rowCount).toBe(300);
    expect(load.badRows).toEqual([]);
    expect(load.missingColumns).toEqual([]);
    expect(load.labelSource).toBe('price_category');
    const counts = { low: 0, medium: 0, high: 0 };
    for (const l of load.listings) counts[l.price_category] += 1;
    expect(written.labelCounts).toEqual(counts);
    expect(load.listings).toEqual(parsed(generateRawListings({ rows: 300, seed: 5, drift: 'price-shift' })));
  });
});
