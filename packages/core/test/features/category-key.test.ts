import { describe, expect, it } from 'vitest';
import { FeaturePipeline } from '../../src/features/pipeline.js';
import { column, listing, numericOnly } from './fixtures.js';

describe('fitted category keys', () => {
  it('match spelling variants of a training category (case, Turkish letters, spaces)', () => {
    const pipeline = FeaturePipeline.fit(
      [listing({ district: 'kadikoy' }), listing({ district: 'besiktas' })],
      [0, 2],
      { ...numericOnly, lowCardinality: 'onehot' },
    );
    const a = pipeline.transformOne(listing({ district: 'Kadıköy' }));
    expect(column(pipeline, a, 'district=kadikoy')).toBe(1);
  });
});
