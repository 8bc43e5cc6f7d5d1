import { describe, expect, it } from 'vitest';
import type { ListingRecord } from '../../src/listing/listing.js';
import { FeaturePipeline } from '../../src/features/pipeline.js';
import { column, listing, numericOnly } from './fixtures.js';

describe('one-hot and hashed columns', () => {
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
