/**
 * Listings given to `mlops predict` as JSON: one object or an array of them.
 * Numbers may be JSON numbers or the portal's raw text ("135 m2", "5-10",
 * "3+1"); absent or null fields are missing values (the pipeline imputes them).
 * Any problem is an InvalidDataError naming the listing and the field.
 */
import { InvalidDataError } from '@mlops/core';
import {
  LISTING_FIELDS,
  NUMERIC_FIELDS,
  parseBuildingAge,
  parseNumberOfRooms,
  parseSquareMeters,
  TEXT_FIELDS,
  type ListingRecord,
  type NumericField,
} from '@mlops/core/listing';

const RAW_NUMBER_PARSERS: Record<NumericField, (raw: string) => number | null> = {
  GrossSquareMeters: parseSquareMeters,
  NetSquareMeters: parseSquareMeters,
  BuildingAge: parseBuildingAge,
  NumberOfRooms: parseNumberOfRooms,
};

/** Parsed input: the listings, whether the input was a single object, and fields that were ignored. */
export interface ListingInput {
  listings: ListingRecord[];
  single: boolean;
  unknownFields: string[];
}

/**
 * Parses JSON text holding one listing or an array of listings.
 * @param source how to name the input in messages (a file path or "--input")
 */
export function parseListingInput(text: string, source: string): ListingInput {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidDataError(`${source} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const single = !Array.isArray(value);
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0)
    throw new InvalidDataError(`${source} is an empty array: expected at least one listing`);
  const unknown = new Set<string>();
  const listings = items.map((item, index) => {
    const where = single ? source : `${source} listing ${index}`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new InvalidDataError(`${where}: expected a JSON object, got ${JSON.stringify(item)}`);
    }
    const object = item as Record<string, unknown>;
    for (const key of Object.keys(object)) {
      if (!(LISTING_FIELDS as readonly string[]).includes(key)) unknown.add(key);
    }
    const record = {} as Record<string, number | string | null>;
    for (const field of NUMERIC_FIELDS) record[field] = numberField(object[field], field, where);
    for (const field of TEXT_FIELDS) {
      const v = object[field];
      if (v !== undefined && v !== null && typeof v !== 'string') {
        throw new InvalidDataError(`${where}: ${field} must be a string, got ${JSON.stringify(v)}`);
      }
      record[field] = v === undefined || v === null || v.trim() === '' ? null : v;
    }
    return record as ListingRecord;
  });
  return { listings, single, unknownFields: [...unknown] };
}

function numberField(value: unknown, field: NumericField, where: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new InvalidDataError(`${where}: ${field} must be a finite number >= 0, got ${value}`);
    }
    return value;
  }
  if (typeof value === 'string') {
    try {
      return RAW_NUMBER_PARSERS[field](value);
    } catch (error) {
      throw new InvalidDataError(`${where}: ${field}: ${(error as Error).message}`, { cause: error });
    }
  }
  throw new InvalidDataError(`${where}: ${field} must be a number, got ${JSON.stringify(value)}`);
}
