import { GlobalFonts } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import { type PriceCategory } from '@mlops/core';
import { buildReferenceSnapshot } from '@mlops/core/drift';
import {
  DEFAULT_DRIFT_THRESHOLDS,
  driftHistoryPoint,
  evaluateDrift,
  summarizeProductionListings,
} from '@mlops/core/drift';
import { type ListingRecord } from '@mlops/core/listing';
import {
  DEFAULT_PLOT_SIZE,
  HISTORY_PLOT_SIZE,
  ensurePlotFont,
  plotAddressCardinality,
  plotCategoryDistribution,
  plotDriftHistory,
  plotPredictionDistribution,
} from '../src/drift-plots.js';

/** Width and height from a PNG's signature and IHDR chunk; throws when it is not a PNG. */
function pngSize(png: Buffer): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  expect([...png.subarray(0, 8)]).toEqual(signature);
  expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

function listing(i: number, overrides: Partial<ListingRecord> = {}): ListingRecord {
  return {
    GrossSquareMeters: 50 + (i % 100) * 2,
    NetSquareMeters: 40 + (i % 100) * 1.5,
    BuildingAge: i % 30,
    NumberOfRooms: 1 + (i % 5),
    district: `district ${i % 30}`,
    HeatingType: 'Kombi Doğalgaz',
    StructureType: 'Betonarme',
    FloorLocation: `${i % 7}. Kat`,
    address: `mahalle ${i % 40}`,
    AdCreationDate: '2022-02',
    Subscription: 'standard',
    ...overrides,
  };
}
const LABELS: PriceCategory[] = ['low', 'low', 'medium', 'medium', 'high'];
const rows = Array.from({ length: 400 }, (_, i) => listing(i));
const reference = buildReferenceSnapshot(
  rows,
  rows.map((_, i) => LABELS[i % 5]!),
);
const drifted = rows.map((r, i) => ({ ...r, district: i % 2 ? 'district 3' : 'brand new district' }));
const production = summarizeProductionListings(
  reference,
  drifted,
  drifted.map(() => 'high'),
);

describe('drift plots', () => {
  it('finds an installed font family', () => {
    // The machines this runs on have DejaVu or Liberation; without any font the plots still render (no text).
    expect(ensurePlotFont()).toEqual(expect.any(String));
  });

  it('renders the district distribution as a PNG of the default and of a set size', async () => {
    expect(pngSize(await plotCategoryDistribution(reference, production))).toEqual(DEFAULT_PLOT_SIZE);
    const size = { width: 640, height: 400 };
    expect(pngSize(await plotCategoryDistribution(reference, production, { size, topN: 5 }))).toEqual(size);
  });

  it('renders the cardinality and prediction plots at the set size', async () => {
    const size = { width: 800, height: 450 };
    expect(pngSize(await plotAddressCardinality(reference, production.address, { size }))).toEqual(size);
    expect(pngSize(await plotAddressCardinality(reference, null, { size }))).toEqual(size);
    expect(pngSize(await plotPredictionDistribution(reference, production, { size }))).toEqual(size);
  });

  it('renders the history of any length, the current check alone included', async () => {
    const evaluation = evaluateDrift(reference, production);
    const points = Array.from({ length: 40 }, (_, i) =>
      driftHistoryPoint(evaluation, new Date(Date.UTC(2024, 4, 1, 10, 5 * i))),
    );
    expect(pngSize(await plotDriftHistory(points, DEFAULT_DRIFT_THRESHOLDS))).toEqual(HISTORY_PLOT_SIZE);
    const size = { width: 900, height: 700 };
    expect(pngSize(await plotDriftHistory(points.slice(0, 1), DEFAULT_DRIFT_THRESHOLDS, { size }))).toEqual(
      size,
    );
    expect(pngSize(await plotDriftHistory([], DEFAULT_DRIFT_THRESHOLDS, { size }))).toEqual(size);
  });

  it('refuses an unusable size, naming it', async () => {
    await expect(
      plotPredictionDistribution(reference, production, { size: { width: 10, height: 400 } }),
    ).rejects.toThrow(/plot width must be an integer between 200 and 8000 px, got 10/);
  });

  it('still renders after every font is removed, registering a known font file again when there is one', async () => {
    GlobalFonts.removeAll();
    expect(GlobalFonts.families).toHaveLength(0);
    const png = await plotPredictionDistribution(reference, production, {
      size: { width: 400, height: 300 },
    });
    expect(pngSize(png)).toEqual({ width: 400, height: 300 });
    // DejaVu or Liberation from /usr/share/fonts when installed; null (text not drawn) on a machine without fonts.
    const family = ensurePlotFont();
    expect(family === null || GlobalFonts.has(family)).toBe(true);
  });
});
