import { describe, expect, it } from 'vitest';
import { BundleFormatError, InvalidArgumentError } from '../../src/errors.js';
import { adMonth, FeaturePipeline, floorNumber, type PipelineOptions } from '../../src/features/pipeline.js';
import { type ListingRecord } from '../../src/listing/listing.js';

/** A listing with every field filled; override what a test is about. */
function listing(overrides: Partial<ListingRecord> = {}): ListingRecord {
  return {
    GrossSquareMeters: 100,
    NetSquareMeters: 80,
    BuildingAge: 10,
    NumberOfRooms: 3,
    district: 'kadikoy',
    HeatingType: 'Kombi Doğalgaz',
    StructureType: 'Betonarme',
    FloorLocation: '3. Kat',
    address: null,
    AdCreationDate: null,
    Subscription: null,
    ...overrides,
  };
}

/** Only the numeric block: no engineered columns, no categoricals worth encoding. */
const numericOnly: Partial<PipelineOptions> = {
  engineered: false,
  floorNumber: false,
  adMonth: false,
  crosses: [],
  lowCardinality: 'frequency',
  highCardinality: 'frequency',
};

function column(pipeline: FeaturePipeline, row: Float64Array, name: string): number {
  const index = pipeline.featureNames.indexOf(name);
  if (index < 0) throw new Error(`no column ${name} in ${pipeline.featureNames.join(', ')}`);
  return row[index]!;
}

describe('numeric columns', () => {
  it('replace a missing value by the training median and flag it when training had missing values', () => {
    const rows = [
      listing({ GrossSquareMeters: 50 }),
      listing({ GrossSquareMeters: 70 }),
      listing({ GrossSquareMeters: 200 }),
      listing({ GrossSquareMeters: null }),
    ];
    const pipeline = FeaturePipeline.fit(rows, [0, 1, 2, 1], numericOnly);
    expect(pipeline.featureNames).toContain('GrossSquareMeters_missing');
    // NetSquareMeters was never missing in training: no indicator column for it.
    expect(pipeline.featureNames).not.toContain('NetSquareMeters_missing');
    const row = pipeline.transformOne(listing({ GrossSquareMeters: null }));
    expect(column(pipeline, row, 'GrossSquareMeters')).toBe(70); // median of 50, 70, 200
    expect(column(pipeline, row, 'GrossSquareMeters_missing')).toBe(1);
    const present = pipeline.transformOne(listing({ GrossSquareMeters: 120 }));
    expect(column(pipeline, present, 'GrossSquareMeters')).toBe(120);
    expect(column(pipeline, present, 'GrossSquareMeters_missing')).toBe(0);
  });

  it('compute the engineered ratios from the imputed values', () => {
    const pipeline = FeaturePipeline.fit([listing(), listing()], [0, 1], {
      ...numericOnly,
      engineered: true,
    });
    const row = pipeline.transformOne(
      listing({ GrossSquareMeters: 120, NetSquareMeters: 90, NumberOfRooms: 4 }),
    );
    expect(column(pipeline, row, 'net_gross_ratio')).toBeCloseTo(0.75, 12);
    expect(column(pipeline, row, 'gross_per_room')).toBe(30);
    expect(column(pipeline, row, 'gross_minus_net')).toBe(30);
  });
});

describe('floorNumber', () => {
  it.each([
    ['3. Kat', 3],
    ['21. Kat', 21],
    ['Kot 2 (-2). Kat', -2],
    ['Bahçe Katı', 0],
    ['Düz Giriş', 0],
    ['Yüksek Giriş', 0.5],
    ['Yarı Bodrum', -0.5],
    ['Tam Bodrum', -1],
    ['10-20. Kat', 15],
    ['40+. Kat', 40],
    ['Villa Tipi', 0],
    ['YÜKSEK GİRİŞ', 0.5],
  ])('%s -> %d', (label, expected) => {
    expect(floorNumber(label)).toBe(expected);
  });

  it.each([['Çatı Katı'], ['middle'], [null]])('%s names no level -> NaN', (label) => {
    expect(floorNumber(label)).toBeNaN();
  });

  it('is imputed with the training median when the label names no level', () => {
    const rows = ['1. Kat', '2. Kat', '5. Kat'].map((f) => listing({ FloorLocation: f }));
    const pipeline = FeaturePipeline.fit(rows, [0, 1, 2], { ...numericOnly, floorNumber: true });
    expect(
      column(pipeline, pipeline.transformOne(listing({ FloorLocation: 'Çatı Katı' })), 'floor_number'),
    ).toBe(2);
  });
});

describe('adMonth', () => {
  it('counts months of a YYYY-MM date and is NaN otherwise', () => {
    expect(adMonth('2022-02')).toBe(2022 * 12 + 1);
    expect(adMonth('2024-01-01')).toBe(2024 * 12);
    expect(adMonth('2022-13')).toBeNaN();
    expect(adMonth('yesterday')).toBeNaN();
  });
});

describe('target encoding', () => {
  // district a: labels 2, 2, 2; district b: label 0. Prior mean class = 6/4 = 1.5.
  const rows = [
    listing({ district: 'a' }),
    listing({ district: 'a' }),
    listing({ district: 'a' }),
    listing({ district: 'b' }),
  ];
  const labels = [2, 2, 2, 0];
  const options: Partial<PipelineOptions> = {
    ...numericOnly,
    lowCardinality: 'target',
    targetSmoothing: 1,
    targetFolds: 4,
  };

  it('serves the smoothed mean class of a category: (sum + m * prior) / (n + m)', () => {
    const pipeline = FeaturePipeline.fit(rows, labels, options);
    // a: (6 + 1 * 1.5) / (3 + 1) = 1.875; b: (0 + 1.5) / (1 + 1) = 0.75; unseen: the prior 1.5.
    expect(
      column(pipeline, pipeline.transformOne(listing({ district: 'a' })), 'district:te_mean'),
    ).toBeCloseTo(1.875, 12);
    expect(
      column(pipeline, pipeline.transformOne(listing({ district: 'b' })), 'district:te_mean'),
    ).toBeCloseTo(0.75, 12);
    expect(
      column(pipeline, pipeline.transformOne(listing({ district: 'zzz' })), 'district:te_mean'),
    ).toBeCloseTo(1.5, 12);
    expect(
      column(pipeline, pipeline.transformOne(listing({ district: null })), 'district:te_mean'),
    ).toBeCloseTo(1.5, 12);
  });

  it('gives training rows out-of-fold values that exclude their own label', () => {
    // With 4 folds for 4 rows each row is its own fold (leave-one-out):
    // an "a" row sees the two other a rows: (4 + 1.5) / (2 + 1) = 1.8333;
    // the "b" row sees no other b row: (0 + 1.5) / (0 + 1) = 1.5.
    const { pipeline, data } = FeaturePipeline.fitTransform(rows, labels, options);
    const at = pipeline.featureNames.indexOf('district:te_mean');
    const values = [0, 1, 2, 3].map((i) => data.data[i * data.nFeatures + at]!);
    expect(values[0]).toBeCloseTo(5.5 / 3, 12);
    expect(values[1]).toBeCloseTo(5.5 / 3, 12);
    expect(values[2]).toBeCloseTo(5.5 / 3, 12);
    expect(values[3]).toBeCloseTo(1.5, 12);
  });

  it('encodes a cross cell by cell and sends an unseen combination to the prior', () => {
    const crossRows = [
      listing({ district: 'a', HeatingType: 'x' }),
      listing({ district: 'a', HeatingType: 'y' }),
      listing({ district: 'b', HeatingType: 'x' }),
    ];
    const pipeline = FeaturePipeline.fit(crossRows, [2, 0, 1], {
      ...options,
      crosses: [['district', 'HeatingType']],
      targetSmoothing: 0,
      targetFolds: 3,
    });
    const value = (d: string, h: string) =>
      column(
        pipeline,
        pipeline.transformOne(listing({ district: d, HeatingType: h })),
        'districtxHeatingType:te_mean',
      );
    expect(value('a', 'x')).toBe(2);
    expect(value('a', 'y')).toBe(0);
    expect(value('b', 'x')).toBe(1);
    expect(value('b', 'y')).toBeCloseTo(1, 12); // never seen together: prior mean (2 + 0 + 1) / 3
  });

  it('outputs the smoothed low and high probabilities with targetStat probs', () => {
    const pipeline = FeaturePipeline.fit(rows, labels, { ...options, targetStat: 'probs' });
    expect(pipeline.featureNames).toEqual(expect.arrayContaining(['district:te_p0', 'district:te_p2']));
    const row = pipeline.transformOne(listing({ district: 'a' }));
    // P(high | a) = (3 + 1 * 3/4) / (3 + 1) = 0.9375; P(low | a) = (0 + 1/4) / 4 = 0.0625.
    expect(column(pipeline, row, 'district:te_p2')).toBeCloseTo(0.9375, 12);
    expect(column(pipeline, row, 'district:te_p0')).toBeCloseTo(0.0625, 12);
  });
});

describe('other encodings', () => {
  const rows = [
    listing({ HeatingType: 'Kombi Doğalgaz' }),
    listing({ HeatingType: 'Kombi Doğalgaz' }),
    listing({ HeatingType: 'Kombi Doğalgaz' }),
    listing({ HeatingType: 'Sobalı' }),
  ];

  it('one-hot writes one column per training category and all zeros for an unseen one', () => {
    const pipeline = FeaturePipeline.fit(rows, [0, 0, 1, 2], { ...numericOnly, lowCardinality: 'onehot' });
    expect(pipeline.featureNames).toEqual(
      expect.arrayContaining(['HeatingType=Kombi Doğalgaz', 'HeatingType=Sobalı', 'district=kadikoy']),
    );
    const row = pipeline.transformOne(listing({ HeatingType: 'Sobalı' }));
    expect(column(pipeline, row, 'HeatingType=Sobalı')).toBe(1);
    expect(column(pipeline, row, 'HeatingType=Kombi Doğalgaz')).toBe(0);
    const unseen = pipeline.transformOne(listing({ HeatingType: 'Jeotermal' }));
    expect(
      column(pipeline, unseen, 'HeatingType=Sobalı') + column(pipeline, unseen, 'HeatingType=Kombi Doğalgaz'),
    ).toBe(0);
  });

  it('frequency writes the training share of the category, 0 when unseen', () => {
    const pipeline = FeaturePipeline.fit(rows, [0, 0, 1, 2], numericOnly);
    expect(column(pipeline, pipeline.transformOne(listing()), 'HeatingType:freq')).toBe(0.75);
    expect(
      column(pipeline, pipeline.transformOne(listing({ HeatingType: 'Jeotermal' })), 'HeatingType:freq'),
    ).toBe(0);
  });

  it('ordinal ranks categories by their mean class and gives an unseen one -1', () => {
    const pipeline = FeaturePipeline.fit(rows, [0, 0, 1, 2], { ...numericOnly, lowCardinality: 'ordinal' });
    // Kombi mean class 1/3 < Sobalı 2: Kombi rank 0, Sobalı rank 1.
    expect(column(pipeline, pipeline.transformOne(listing()), 'HeatingType:ordinal')).toBe(0);
    expect(
      column(pipeline, pipeline.transformOne(listing({ HeatingType: 'Sobalı' })), 'HeatingType:ordinal'),
    ).toBe(1);
    expect(
      column(pipeline, pipeline.transformOne(listing({ HeatingType: '??' })), 'HeatingType:ordinal'),
    ).toBe(-1);
  });

  it('hashing sets exactly one of its buckets for a present value and none for a missing one', () => {
    const addressed = rows.map((r, i) => ({ ...r, address: `Anasayfa > Mahalle ${i}` }));
    const pipeline = FeaturePipeline.fit(addressed, [0, 0, 1, 2], {
      ...numericOnly,
      highCardinality: 'hash',
      hashBuckets: 8,
    });
    const buckets = pipeline.featureNames.filter((n) => n.startsWith('address:hash'));
    expect(buckets).toHaveLength(8);
    const sum = (r: ListingRecord) => {
      const row = pipeline.transformOne(r);
      return buckets.reduce((s, name) => s + column(pipeline, row, name), 0);
    };
    expect(sum(listing({ address: 'Anasayfa > Never Seen' }))).toBe(1);
    expect(sum(listing({ address: null }))).toBe(0);
  });
});

describe('categories at serving time', () => {
  it('match spelling variants of a training category (case, Turkish letters, spaces)', () => {
    const pipeline = FeaturePipeline.fit(
      [listing({ district: 'kadikoy' }), listing({ district: 'besiktas' })],
      [0, 2],
      { ...numericOnly, lowCardinality: 'onehot' },
    );
    const a = pipeline.transformOne(listing({ district: 'Kadıköy' }));
    expect(column(pipeline, a, 'district=kadikoy')).toBe(1);
  });

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

  it('drop a field that is missing from every training row instead of making constant columns', () => {
    // The real 2022 file has no address, AdCreationDate or Subscription column.
    const pipeline = FeaturePipeline.fit([listing(), listing({ district: 'sisli' })], [0, 2]);
    expect(pipeline.featureNames.some((n) => /address|AdCreationDate|Subscription|ad_month/.test(n))).toBe(
      false,
    );
    const withDates = FeaturePipeline.fit(
      [listing({ AdCreationDate: '2022-01' }), listing({ AdCreationDate: '2022-03' })],
      [0, 2],
    );
    expect(withDates.featureNames).toContain('ad_month');
    expect(withDates.featureNames).toContain('AdCreationDate:te_mean');
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
