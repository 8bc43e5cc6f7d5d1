import { describe, expect, it } from 'vitest';
import { FeaturePipeline } from '../../src/features/pipeline.js';
import { column, listing, numericOnly } from './fixtures.js';

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

describe('floor number column', () => {
  it('is imputed with the training median when the label names no level', () => {
    const rows = ['1. Kat', '2. Kat', '5. Kat'].map((f) => listing({ FloorLocation: f }));
    const pipeline = FeaturePipeline.fit(rows, [0, 1, 2], { ...numericOnly, floorNumber: true });
    expect(
      column(pipeline, pipeline.transformOne(listing({ FloorLocation: 'Çatı Katı' })), 'floor_number'),
    ).toBe(2);
  });
});
