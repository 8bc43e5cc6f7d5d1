import { describe, expect, it } from 'vitest';
import {
  TOP_K_CATEGORIES,
  binIndex,
  buildReferenceSnapshot,
  cardinalityProfile,
  expectedDistinctInSample,
  parseReferenceSnapshot,
  quantileBinEdges,
  serializeReferenceSnapshot,
} from '../../src/drift/reference.js';
import { BundleFormatError, InvalidArgumentError, InvalidDataError } from '../../src/errors.js';
import { type ListingRecord } from '../../src/listing/listing.js';
import { buildPerformanceProfile } from '../../src/performance/profile.js';

function listing(overrides: Partial<ListingRecord> = {}): ListingRecord {
  return {
    GrossSquareMeters: 100,
    NetSquareMeters: 80,
    BuildingAge: 10,
    NumberOfRooms: 3,
    district: 'kadikoy',
    HeatingType: 'Kombi Doğalgaz',
    StructureType: 'Betonarme',
    FloorLocation: '2. Kat',
    address: 'Anasayfa > Satılık Daire > İstanbul Satılık Daire > Kadıköy Satılık Daire',
    AdCreationDate: '2022-02',
    Subscription: 'standard',
    ...overrides,
  };
}

describe('quantileBinEdges', () => {
  it('cuts 1..10 into ten one-value deciles', () => {
    // Type 1 quantiles: the ceil(10 * j / 10) = j-th smallest value for j = 1..9.
    const edges = quantileBinEdges([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(edges).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((v) => binIndex(edges, v))).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
  });

  it('merges tied deciles of a discrete column instead of leaving empty bins', () => {
    // Sorted [1,1,1,1,1,2,2,2,3,3]: the 1st..5th smallest are 1, 6th..8th are 2, 9th is 3.
    const edges = quantileBinEdges([1, 2, 1, 3, 1, 2, 1, 3, 1, 2]);
    expect(edges).toEqual([1, 2, 3]);
  });

  it('gives no edges (a single bin) for an empty column', () => {
    expect(quantileBinEdges([])).toEqual([]);
    expect(binIndex([], 42)).toBe(0);
  });

  it('puts a value equal to an edge in the lower bin (right-closed) and beyond the last edge in the top bin', () => {
    expect(binIndex([1, 2, 3], 2)).toBe(1);
    expect(binIndex([1, 2, 3], 2.5)).toBe(2);
    expect(binIndex([1, 2, 3], -5)).toBe(0);
    expect(binIndex([1, 2, 3], 99)).toBe(3);
  });
});

describe('expectedDistinctInSample', () => {
  it('matches the enumeration of every sample on a small column', () => {
    // Column a, a, b, c (N = 4). The 6 pairs drawn without replacement:
    // {a,a} has 1 distinct value, the other 5 pairs have 2: E = (1 + 5 * 2) / 6 = 11/6.
    const profile = cardinalityProfile(['a', 'a', 'b', 'c']);
    expect(profile.frequencyOfCounts).toEqual([
      [1, 2],
      [2, 1],
    ]);
    expect(expectedDistinctInSample(profile.frequencyOfCounts, 4, 2)).toBeCloseTo(11 / 6, 12);
    // One row is always one distinct value; the whole column has all 3.
    expect(expectedDistinctInSample(profile.frequencyOfCounts, 4, 1)).toBeCloseTo(1, 12);
    expect(expectedDistinctInSample(profile.frequencyOfCounts, 4, 4)).toBe(3);
    expect(expectedDistinctInSample(profile.frequencyOfCounts, 4, 0)).toBe(0);
  });

  it('is n for a column of unique values', () => {
    const values = Array.from({ length: 1000 }, (_, i) => `address ${i}`);
    const profile = cardinalityProfile(values);
    for (const n of [1, 10, 500, 1000]) {
      expect(expectedDistinctInSample(profile.frequencyOfCounts, 1000, n)).toBeCloseTo(n, 9);
    }
  });

  it('tabulates the curve at the standard sizes up to the column size, ignoring missing values', () => {
    const values = [...Array.from({ length: 300 }, (_, i) => `a${i % 30}`), null, null];
    const profile = cardinalityProfile(values);
    expect(profile.nonMissing).toBe(300);
    expect(profile.distinct).toBe(30);
    expect(profile.curve.map((p) => p.n)).toEqual([10, 20, 50, 100, 200, 300]);
    expect(profile.curve.at(-1)!.expectedDistinct).toBe(30);
    // Monotone and below both n and the column's distinct count.
    for (let i = 1; i < profile.curve.length; i++) {
      expect(profile.curve[i]!.expectedDistinct).toBeGreaterThan(profile.curve[i - 1]!.expectedDistinct);
      expect(profile.curve[i]!.expectedDistinct).toBeLessThanOrEqual(Math.min(30, profile.curve[i]!.n));
    }
  });
});

describe('buildReferenceSnapshot', () => {
  const records = [
    listing({ district: 'kadikoy', GrossSquareMeters: 100 }),
    listing({ district: 'kadikoy', GrossSquareMeters: 120 }),
    listing({ district: 'besiktas', GrossSquareMeters: null }),
    listing({ district: null, GrossSquareMeters: 80, address: null }),
  ];

  it('summarises categories, missing values, distinct counts, bins and labels', () => {
    const snapshot = buildReferenceSnapshot(records, ['low', 'high', 'high', 'medium'], {
      createdAt: new Date('2024-01-02T03:04:05Z'),
    });
    expect(snapshot.kind).toBe('mlops.reference-snapshot');
    expect(snapshot.formatVersion).toBe(1);
    expect(snapshot.createdAt).toBe('2024-01-02T03:04:05.000Z');
    expect(snapshot.rows).toBe(4);
    expect(snapshot.columns.district).toEqual({
      type: 'categorical',
      rows: 4,
      missing: 1,
      distinct: 2,
      categories: [
        { value: 'kadikoy', count: 2 },
        { value: 'besiktas', count: 1 },
      ],
      otherCount: 0,
      complete: true,
    });
    const gross = snapshot.columns.GrossSquareMeters;
    expect(gross.missing).toBe(1);
    expect(gross.distinct).toBe(3);
    // Sorted 80, 100, 120: deciles are the ceil(3j/10)-th values: 1st for j<=3, 2nd for j<=6, 3rd after.
    expect(gross.edges).toEqual([80, 100, 120]);
    expect(gross.counts).toEqual([1, 1, 1, 0]);
    expect(gross.mean).toBeCloseTo(100, 12);
    expect(snapshot.labels).toEqual({ categories: ['low', 'medium', 'high'], counts: [1, 1, 2] });
    expect(snapshot.cardinality.address.nonMissing).toBe(3);
    expect(snapshot.cardinality.address.distinct).toBe(1);
  });

  it('accepts labels as class indices', () => {
    const snapshot = buildReferenceSnapshot(records, Int32Array.from([0, 2, 2, 1]));
    expect(snapshot.labels.counts).toEqual([1, 1, 2]);
  });

  it('keeps the top K categories and an other count for a high-cardinality column, but every district', () => {
    const many = Array.from({ length: 600 }, (_, i) =>
      listing({ address: `street ${i % 300}`, district: `district ${i % 250}` }),
    );
    const snapshot = buildReferenceSnapshot(
      many,
      many.map(() => 'low'),
    );
    const address = snapshot.columns.address;
    expect(address.complete).toBe(false);
    expect(address.categories).toHaveLength(TOP_K_CATEGORIES);
    expect(address.distinct).toBe(300);
    expect(address.otherCount).toBe(600 - 2 * TOP_K_CATEGORIES);
    expect(snapshot.columns.district.complete).toBe(true);
    expect(snapshot.columns.district.categories).toHaveLength(250);
  });

  it('refuses mismatched lengths and unknown labels, naming the problem', () => {
    expect(() => buildReferenceSnapshot(records, ['low'])).toThrow(InvalidArgumentError);
    expect(() => buildReferenceSnapshot(records, ['low', 'low', 'cheap' as never, 'low'])).toThrow(
      /label 2 is "cheap"/,
    );
    expect(() => buildReferenceSnapshot(records, ['low', 'low', 'low', 7])).toThrow(InvalidDataError);
  });
});

describe('reference snapshot serialization', () => {
  const snapshot = buildReferenceSnapshot([listing(), listing({ BuildingAge: 30 })], ['low', 'high']);

  it('round-trips through JSON', () => {
    expect(parseReferenceSnapshot(serializeReferenceSnapshot(snapshot))).toEqual(snapshot);
  });

  it('refuses another kind or format version, saying what it got and expected', () => {
    const wrongKind = JSON.stringify({ ...snapshot, kind: 'model-bundle' });
    expect(() => parseReferenceSnapshot(wrongKind, 'ref.json')).toThrow(BundleFormatError);
    expect(() => parseReferenceSnapshot(wrongKind, 'ref.json')).toThrow(
      /ref.json: kind is "model-bundle", expected "mlops.reference-snapshot"/,
    );
    const wrongVersion = JSON.stringify({ ...snapshot, formatVersion: 7 });
    expect(() => parseReferenceSnapshot(wrongVersion)).toThrow(/format version is v7, expected v1/);
  });

  it('names the malformed field', () => {
    const broken = JSON.parse(serializeReferenceSnapshot(snapshot));
    broken.columns.BuildingAge.counts = 'many';
    expect(() => parseReferenceSnapshot(JSON.stringify(broken), 'ref.json')).toThrow(
      /ref.json: columns.BuildingAge.counts/,
    );
    expect(() => parseReferenceSnapshot('{not json', 'ref.json')).toThrow(/ref.json: not JSON/);
  });

  it('carries an optional performance profile; a snapshot without one still loads', () => {
    expect(snapshot.performance).toBeUndefined();
    expect(parseReferenceSnapshot(serializeReferenceSnapshot(snapshot)).performance).toBeUndefined();
    const performance = buildPerformanceProfile(
      [
        [0.7, 0.2, 0.1],
        [0.1, 0.1, 0.8],
      ],
      ['low', 'medium'],
    );
    const withProfile = buildReferenceSnapshot([listing(), listing()], ['low', 'high'], { performance });
    const read = parseReferenceSnapshot(serializeReferenceSnapshot(withProfile));
    expect(read.performance).toEqual(performance);
    expect(read.performance?.heldOut.accuracy).toBe(0.5);
    const broken = JSON.parse(serializeReferenceSnapshot(withProfile));
    broken.performance.calibration.method = 'magic';
    expect(() => parseReferenceSnapshot(JSON.stringify(broken), 'ref.json')).toThrow(
      /ref.json: performance.calibration.method/,
    );
  });
});
