import type { PriceCategory } from '@mlops/core';
import type { ListingRecord } from '@mlops/core/listing';

/**
 * A deterministic listing for row i: 3 districts in shares 1/2, 1/3, 1/6, 30
 * addresses, sizes and ages cycling; `overrides` replaces fields.
 */
export function sampleListing(i: number, overrides: Partial<ListingRecord> = {}): ListingRecord {
  return {
    GrossSquareMeters: 50 + (i % 100) * 2,
    NetSquareMeters: 40 + (i % 100) * 1.5,
    BuildingAge: i % 30,
    NumberOfRooms: 1 + (i % 5),
    district: ['kadikoy', 'kadikoy', 'kadikoy', 'besiktas', 'besiktas', 'sisli'][i % 6]!,
    HeatingType: ['Kombi Doğalgaz', 'Merkezi Doğalgaz'][i % 2]!,
    StructureType: 'Betonarme',
    FloorLocation: `${i % 7}. Kat`,
    address: `Anasayfa > Satılık Daire > mahalle ${i % 30}`,
    AdCreationDate: '2022-02',
    Subscription: ['standard', 'premium'][i % 2]!,
    ...overrides,
  };
}

/** Labels 40/40/20 % low/medium/high, cycling. */
export function sampleLabel(i: number): PriceCategory {
  return (['low', 'low', 'medium', 'medium', 'high'] as const)[i % 5]!;
}
