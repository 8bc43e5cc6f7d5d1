import { describe, expect, it } from 'vitest';
import type { PipelineOptions } from '../../src/features/options.js';
import { FeaturePipeline } from '../../src/features/pipeline.js';
import { column, listing, numericOnly } from './fixtures.js';

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

describe('frequency and ordinal tables', () => {
  const rows = [
    listing({ HeatingType: 'Kombi Doğalgaz' }),
    listing({ HeatingType: 'Kombi Doğalgaz' }),
    listing({ HeatingType: 'Kombi Doğalgaz' }),
    listing({ HeatingType: 'Sobalı' }),
  ];

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
});

describe('fields without training values', () => {
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
