import { z } from 'zod';
import type { PriceCategory } from '../constants.js';

/** Numeric fields of a listing, in the order used everywhere (feature names, logs, plots). */
export const NUMERIC_FIELDS = [
  'GrossSquareMeters',
  'NetSquareMeters',
  'BuildingAge',
  'NumberOfRooms',
] as const;
/** Text fields of a listing. */
export const TEXT_FIELDS = [
  'district',
  'HeatingType',
  'StructureType',
  'FloorLocation',
  'address',
  'AdCreationDate',
  'Subscription',
] as const;
export const LISTING_FIELDS = [...NUMERIC_FIELDS, ...TEXT_FIELDS] as const;

export type NumericField = (typeof NUMERIC_FIELDS)[number];
export type TextField = (typeof TEXT_FIELDS)[number];
export type ListingField = (typeof LISTING_FIELDS)[number];

/** Longest string value quoted in a validation message; longer ones are cut and their length given. */
const QUOTED_STRING_LIMIT = 40;

/**
 * Names a wrong value for a validation message without walking or copying it: a request body is
 * untrusted, so an array nested thousands deep or a megabyte string must not reach JSON.stringify
 * (a stack overflow, or the whole value echoed back). Strings are quoted up to a short limit; arrays
 * and objects are named by kind and size only.
 */
function describeInput(input: unknown): string {
  if (typeof input === 'string') {
    if (input.length <= QUOTED_STRING_LIMIT) return JSON.stringify(input);
    return `${JSON.stringify(input.slice(0, QUOTED_STRING_LIMIT))}... (a string of ${input.length} characters)`;
  }
  if (input === null) return 'null';
  if (Array.isArray(input)) return `an array of ${input.length} item${input.length === 1 ? '' : 's'}`;
  if (typeof input === 'object') return 'an object';
  return String(input);
}

const finiteNumber = (field: string, max: number) =>
  z
    .number({
      error: (issue) =>
        issue.input === undefined
          ? `${field} is required`
          : typeof issue.input === 'number'
            ? `${field} must be a finite number, got ${String(issue.input)}`
            : `${field} must be a number, got ${describeInput(issue.input)}`,
    })
    // min/max (not refinements) so that the ranges appear in the OpenAPI document; zod 4's number()
    // already refuses NaN and Infinity.
    .min(0, { message: `${field} must be >= 0` })
    .max(max, { message: `${field} must be <= ${max}` });

const text = (field: string) =>
  z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? `${field} is required`
          : `${field} must be a string, got ${describeInput(issue.input)}`,
    })
    .max(2000, { message: `${field} must be at most 2000 characters` });

/**
 * One listing as the prediction API receives it: the old service's contract.
 * Every field is required; unknown category values (a district never seen) are valid.
 */
export const listingSchema = z.object({
  GrossSquareMeters: finiteNumber('GrossSquareMeters', 100_000),
  NetSquareMeters: finiteNumber('NetSquareMeters', 100_000),
  BuildingAge: finiteNumber('BuildingAge', 500),
  NumberOfRooms: finiteNumber('NumberOfRooms', 100),
  district: text('district'),
  HeatingType: text('HeatingType'),
  StructureType: text('StructureType'),
  FloorLocation: text('FloorLocation'),
  address: text('address'),
  AdCreationDate: text('AdCreationDate'),
  Subscription: text('Subscription'),
});

/** A listing as sent to the API (all fields present). */
export type Listing = z.infer<typeof listingSchema>;

/**
 * The old service's example request body. Its contract is kept: the API's docs,
 * the start banner and the tests all use this one body.
 */
export const EXAMPLE_LISTING: Readonly<Listing> = Object.freeze({
  GrossSquareMeters: 100.0,
  NetSquareMeters: 80.0,
  BuildingAge: 10.0,
  NumberOfRooms: 3.0,
  district: 'district1',
  HeatingType: 'central',
  StructureType: 'concrete',
  FloorLocation: 'middle',
  address: '123 Main St',
  AdCreationDate: '2024-01-01',
  Subscription: 'premium',
});

/**
 * A clean listing as the modelling code sees it: the parsed form of a raw row
 * or an API listing. `null` marks a missing value (missing column or empty cell).
 */
export type ListingRecord = { [K in NumericField]: number | null } & { [K in TextField]: string | null };

/** A listing with every value missing: where parsing starts, and what every model must still answer. */
export const EMPTY_LISTING: Readonly<ListingRecord> = Object.freeze(
  Object.fromEntries(LISTING_FIELDS.map((field) => [field, null])) as ListingRecord,
);

/** A listing with its known price category (training and evaluation data). */
export interface LabelledListing extends ListingRecord {
  price_category: PriceCategory;
  /** Asking price in TL when the source had one, else null. */
  price: number | null;
}
