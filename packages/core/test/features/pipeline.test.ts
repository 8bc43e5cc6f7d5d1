import { describe, expect, it } from 'vitest';
import { BundleFormatError, InvalidArgumentError } from '../../src/errors.js';
import type { PipelineOptions } from '../../src/features/options.js';
import { FeaturePipeline } from '../../src/features/pipeline.js';
import type { ListingRecord } from '../../src/listing/listing.js';
import { listing } from './fixtures.js';

describe('categories at serving time', () => {
  it('never throw for unseen values, missing fields or an empty record', () => {
    const pipeline = FeaturePipeline.fit([listing(), listing({ district: 'sisli' })], [0, 2]);
    const empty = Object.fromEntries(
      Object.keys(listing()).map((k) => [k, null]),
    ) as unknown as ListingRecord;
    for (const record of [
      listing({ district: 'atlantis', HeatingType: '???', FloorLocation: 'Çatı Katı' }),
      empty,
    ]) {
      const row = pipeline.transformOne(record);
      expect(row).toHaveLength(pipeline.nFeatures);
      expect(row.every(Number.isFinite)).toBe(true);
    }
  });
});

describe('transformOne', () => {
  it('writes into the given buffer and agrees with transform', () => {
    const rows = [
      listing(),
      listing({ district: 'sisli', GrossSquareMeters: 180 }),
      listing({ NetSquareMeters: null }),
    ];
    const pipeline = FeaturePipeline.fit(rows, [0, 2, 1]);
    const out = new Float64Array(pipeline.nFeatures);
    expect(pipeline.transformOne(rows[1]!, out)).toBe(out);
    const batch = pipeline.transform(rows);
    expect(Array.from(out)).toEqual(
      Array.from(batch.data.subarray(pipeline.nFeatures, 2 * pipeline.nFeatures)),
    );
    expect(batch.featureNames).toEqual(pipeline.featureNames);
  });
});

describe('serialization', () => {
  const rows = Array.from({ length: 60 }, (_, i) =>
    listing({
      GrossSquareMeters: 60 + ((i * 37) % 140),
      NetSquareMeters: i % 7 === 0 ? null : 50 + ((i * 29) % 110),
      BuildingAge: i % 5,
      NumberOfRooms: 1 + (i % 4),
      district: ['kadikoy', 'sisli', 'esenyurt'][i % 3]!,
      FloorLocation: ['1. Kat', 'Bahçe Katı', 'Çatı Katı'][i % 3]!,
      address: `Anasayfa > Mahalle ${i % 6}`,
      AdCreationDate: `2022-0${1 + (i % 9)}`,
      Subscription: i % 2 ? 'premium' : 'basic',
    }),
  );
  const labels = rows.map((_, i) => i % 3);

  it.each([
    ['defaults', {}],
    ['one-hot and hashing', { lowCardinality: 'onehot', highCardinality: 'hash', crossEncoding: 'hash' }],
    ['probabilities, first-key prior', { targetStat: 'probs', targetPrior: 'first-key' }],
  ] as [string, Partial<PipelineOptions>][])(
    'a JSON round trip (%s) gives identical outputs',
    (_, options) => {
      const pipeline = FeaturePipeline.fit(rows, labels, options);
      const restored = FeaturePipeline.fromJSON(JSON.parse(JSON.stringify(pipeline.toJSON())));
      expect(restored.featureNames).toEqual(pipeline.featureNames);
      const probes = [...rows.slice(0, 10), listing({ district: 'unseen', address: 'elsewhere' })];
      expect(Array.from(restored.transform(probes).data)).toEqual(
        Array.from(pipeline.transform(probes).data),
      );
    },
  );

  it('is deterministic for the same rows and seed', () => {
    const a = FeaturePipeline.fitTransform(rows, labels, { seed: 3 });
    const b = FeaturePipeline.fitTransform(rows, labels, { seed: 3 });
    expect(Array.from(a.data.data)).toEqual(Array.from(b.data.data));
    expect(JSON.stringify(a.pipeline.toJSON())).toBe(JSON.stringify(b.pipeline.toJSON()));
  });

  it('refuses another kind or format version, naming got and expected', () => {
    const json = FeaturePipeline.fit(rows, labels).toJSON();
    expect(() => FeaturePipeline.fromJSON({ ...json, formatVersion: 2 })).toThrow(BundleFormatError);
    expect(() => FeaturePipeline.fromJSON({ ...json, formatVersion: 2 })).toThrow(/got v2, expected v1/);
    expect(() => FeaturePipeline.fromJSON({ ...json, kind: 'other' } as never)).toThrow(/got kind other/);
  });
});

describe('fit arguments', () => {
  it('name a bad label, a count mismatch and an unknown cross key', () => {
    expect(() => FeaturePipeline.fit([listing()], [3])).toThrow(
      /labels\[0\] must be a class index in 0..2, got 3/,
    );
    expect(() => FeaturePipeline.fit([listing()], [0, 1])).toThrow(/1 records but 2 labels/);
    expect(() =>
      FeaturePipeline.fit([listing()], [0], { crosses: [['district', 'colour' as never]] }),
    ).toThrow(InvalidArgumentError);
    expect(() => FeaturePipeline.fit([], [])).toThrow(/0 records/);
  });
});
