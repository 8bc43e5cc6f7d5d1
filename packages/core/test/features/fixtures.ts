/**
 * Listing records and pipeline options shared by the feature pipeline tests.
 */
import type { FeaturePipeline } from '../../src/features/pipeline.js';
import type { PipelineOptions } from '../../src/features/options.js';
import type { ListingRecord } from '../../src/listing/listing.js';

/** A listing with every field filled; override what a test is about. */
export function listing(overrides: Partial<ListingRecord> = {}): ListingRecord {
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
export const numericOnly: Partial<PipelineOptions> = {
  engineered: false,
  floorNumber: false,
  adMonth: false,
  crosses: [],
  lowCardinality: 'frequency',
  highCardinality: 'frequency',
};

/** The value of the column named `name` in a row the pipeline wrote. */
export function column(pipeline: FeaturePipeline, row: Float64Array, name: string): number {
  const index = pipeline.featureNames.indexOf(name);
  if (index < 0) throw new Error(`no column ${name} in ${pipeline.featureNames.join(', ')}`);
  return row[index]!;
}
