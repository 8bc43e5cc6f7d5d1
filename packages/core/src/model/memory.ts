/**
 * Listing memory: the labels of the training listings, looked up by the exact
 * values of the model's fields. The portal's data repeats listings (a flat
 * re-posted, or several flats of one building posted alike): about one
 * evaluation listing in five has a training listing with the very same sizes,
 * age, rooms, district, heating, structure and floor. For those, the labels
 * seen for that exact listing are better evidence than trees that average it
 * with its neighbours, so the model blends them in (see `Model`).
 *
 * Serialized as `{ kind, formatVersion, fields, nClasses, keys, counts }`:
 * `keys[i]` is the key of one distinct listing and `counts[i * nClasses + c]`
 * how many training rows of class c had it.
 */
import { BundleFormatError, InvalidArgumentError } from '../errors.js';
import type { ListingRecord } from '../listing/listing.js';
import { normaliseCategory } from '../listing/text.js';

export const MEMORY_KIND = 'listing-memory';
export const MEMORY_FORMAT_VERSION = 1;

/** The fields a key is made of: every field the real data has, in this order. */
export const MEMORY_FIELDS = [
  'GrossSquareMeters',
  'NetSquareMeters',
  'BuildingAge',
  'NumberOfRooms',
  'district',
  'HeatingType',
  'StructureType',
  'FloorLocation',
] as const satisfies readonly (keyof ListingRecord)[];

/** `ListingMemory.toJSON()`. */
export interface SerializedMemory {
  kind: typeof MEMORY_KIND;
  formatVersion: number;
  fields: string[];
  nClasses: number;
  keys: string[];
  /** Integer row counts, `keys.length * nClasses`. */
  counts: number[];
}

/** Separates the values in a key: a normalised category has no white space, a number none either. */
const SEPARATOR = '\t';

/** The key of a listing: numbers as written, categories in their matching spelling, missing as empty. */
export function memoryKey(listing: ListingRecord): string {
  let key = '';
  for (let i = 0; i < MEMORY_FIELDS.length; i++) {
    const value = listing[MEMORY_FIELDS[i]!];
    if (i > 0) key += SEPARATOR;
    if (value === null || value === undefined) continue;
    key += typeof value === 'number' ? String(value) : normaliseCategory(value);
  }
  return key;
}

/** Exact-listing label counts of a training set. */
export class ListingMemory {
  readonly nClasses: number;
  private readonly index: Map<string, number>;
  private readonly counts: Float64Array;

  private constructor(nClasses: number, index: Map<string, number>, counts: Float64Array) {
    this.nClasses = nClasses;
    this.index = index;
    this.counts = counts;
  }

  /** Distinct listings remembered. */
  get size(): number {
    return this.index.size;
  }

  /** Counts the labels `y` (class indices < nClasses) of each distinct listing. */
  static fit(listings: readonly ListingRecord[], y: ArrayLike<number>, nClasses: number): ListingMemory {
    if (listings.length !== y.length) {
      throw new InvalidArgumentError(`${listings.length} listings but ${y.length} labels`);
    }
    const index = new Map<string, number>();
    const rowKey = new Int32Array(listings.length);
    listings.forEach((listing, r) => {
      const key = memoryKey(listing);
      let k = index.get(key);
      if (k === undefined) index.set(key, (k = index.size));
      rowKey[r] = k;
    });
    const counts = new Float64Array(index.size * nClasses);
    for (let r = 0; r < listings.length; r++) {
      const label = y[r]!;
      if (!Number.isInteger(label) || label < 0 || label >= nClasses) {
        throw new InvalidArgumentError(
          `label ${String(label)} of row ${r} is not a class index below ${nClasses}`,
        );
      }
      counts[rowKey[r]! * nClasses + label]!++;
    }
    return new ListingMemory(nClasses, index, counts);
  }

  /**
   * Writes the class shares of the listing's training duplicates into `out`
   * and returns true, or returns false (out untouched) for a listing not seen.
   */
  lookup(listing: ListingRecord, out: Float64Array): boolean {
    const k = this.index.get(memoryKey(listing));
    if (k === undefined) return false;
    const base = k * this.nClasses;
    let total = 0;
    for (let c = 0; c < this.nClasses; c++) total += this.counts[base + c]!;
    for (let c = 0; c < this.nClasses; c++) out[c] = this.counts[base + c]! / total;
    return true;
  }

  toJSON(): SerializedMemory {
    return {
      kind: MEMORY_KIND,
      formatVersion: MEMORY_FORMAT_VERSION,
      fields: [...MEMORY_FIELDS],
      nClasses: this.nClasses,
      keys: [...this.index.keys()],
      counts: Array.from(this.counts),
    };
  }

  /** Restores `toJSON()` output; BundleFormatError naming what is wrong. */
  static fromJSON(json: unknown): ListingMemory {
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      throw new BundleFormatError('listing memory: expected a JSON object');
    }
    const j = json as Partial<SerializedMemory>;
    if (j.kind !== MEMORY_KIND) {
      throw new BundleFormatError(
        `listing memory: got kind ${JSON.stringify(j.kind) ?? 'undefined'}, expected "${MEMORY_KIND}"`,
      );
    }
    if (j.formatVersion !== MEMORY_FORMAT_VERSION) {
      throw new BundleFormatError(
        `listing memory: unsupported format: got v${String(j.formatVersion)}, expected v${MEMORY_FORMAT_VERSION}`,
      );
    }
    if (!Array.isArray(j.fields) || j.fields.join(',') !== MEMORY_FIELDS.join(',')) {
      throw new BundleFormatError(
        `listing memory: fields ${JSON.stringify(j.fields)} differ from ${JSON.stringify(MEMORY_FIELDS)}`,
      );
    }
    const nClasses = j.nClasses;
    if (typeof nClasses !== 'number' || !Number.isInteger(nClasses) || nClasses < 2) {
      throw new BundleFormatError(
        `listing memory: nClasses must be an integer >= 2, got ${String(nClasses)}`,
      );
    }
    if (!Array.isArray(j.keys) || !j.keys.every((k) => typeof k === 'string')) {
      throw new BundleFormatError('listing memory: keys must be an array of strings');
    }
    if (!Array.isArray(j.counts) || j.counts.length !== j.keys.length * nClasses) {
      throw new BundleFormatError(
        `listing memory: counts must hold keys.length * nClasses = ${j.keys.length * nClasses} numbers`,
      );
    }
    const counts = Float64Array.from(j.counts as unknown[], (v, i) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
        throw new BundleFormatError(`listing memory: counts[${i}] is not a count: ${JSON.stringify(v)}`);
      }
      return v;
    });
    const index = new Map<string, number>();
    j.keys.forEach((key, k) => {
      if (index.has(key))
        throw new BundleFormatError(`listing memory: key ${JSON.stringify(key)} is listed twice`);
      let total = 0;
      for (let c = 0; c < nClasses; c++) total += counts[k * nClasses + c]!;
      if (total === 0) throw new BundleFormatError(`listing memory: key ${JSON.stringify(key)} has no rows`);
      index.set(key, k);
    });
    return new ListingMemory(nClasses, index, counts);
  }
}
