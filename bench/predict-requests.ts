/** Request bodies for the prediction API benchmarks: synthetic listings in the API's input form. */
import {
  formatRawListingsCsv,
  parseRawListingsCsv,
  type Listing,
  type ListingRecord,
} from '@mlops/core/listing';
import { generateRawListings } from '@mlops/core/synthetic';

/** A parsed listing as the API takes it: the values a raw listing may miss filled with fixed ones. */
export function apiListing(l: ListingRecord): Listing {
  return {
    GrossSquareMeters: l.GrossSquareMeters ?? 100,
    NetSquareMeters: l.NetSquareMeters ?? 80,
    BuildingAge: l.BuildingAge ?? 10,
    NumberOfRooms: l.NumberOfRooms ?? 3,
    district: l.district ?? 'unknown',
    HeatingType: l.HeatingType ?? 'unknown',
    StructureType: l.StructureType ?? 'unknown',
    FloorLocation: l.FloorLocation ?? 'unknown',
    address: l.address ?? 'unknown',
    AdCreationDate: l.AdCreationDate ?? '2022-01',
    Subscription: l.Subscription ?? 'free',
  };
}

/** `count` JSON bodies for POST /predict (synthetic listings, seed 7), cycled by the load generator. */
export function predictRequestBodies(count: number): string[] {
  const csv = formatRawListingsCsv(generateRawListings({ rows: count, seed: 7 }));
  return parseRawListingsCsv(csv).listings.map((l) => JSON.stringify(apiListing(l)));
}
