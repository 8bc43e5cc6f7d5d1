import { describe, expect, it } from 'vitest';
import { BundleFormatError, InvalidArgumentError } from '../../src/errors.js';
import { type ListingRecord } from '../../src/listing/listing.js';
import { ListingMemory, memoryKey } from '../../src/model/memory.js';

const base: ListingRecord = {
  GrossSquareMeters: 120,
  NetSquareMeters: 100,
  BuildingAge: 7.5,
  NumberOfRooms: 3,
  district: 'kadikoy',
  HeatingType: 'Kombi Doğalgaz',
  StructureType: 'Betonarme',
  FloorLocation: '3. Kat',
  address: null,
  AdCreationDate: null,
  Subscription: null,
};

function listing(changes: Partial<ListingRecord>): ListingRecord {
  return { ...base, ...changes };
}

describe('memoryKey', () => {
  it('matches categories in any spelling and ignores the fields the model does not remember', () => {
    const a = memoryKey(base);
    expect(memoryKey(listing({ district: 'KADIKÖY', HeatingType: 'kombi dogalgaz' }))).toBe(a);
    expect(memoryKey(listing({ address: 'somewhere', Subscription: 'premium' }))).toBe(a);
  });

  it('tells apart listings that differ in one remembered field, and a missing value from any value', () => {
    const keys = new Set([
      memoryKey(base),
      memoryKey(listing({ GrossSquareMeters: 121 })),
      memoryKey(listing({ FloorLocation: '4. Kat' })),
      memoryKey(listing({ FloorLocation: null })),
      memoryKey(listing({ BuildingAge: null })),
      memoryKey(listing({ BuildingAge: 0 })),
    ]);
    expect(keys.size).toBe(6);
  });
});

describe('ListingMemory', () => {
  const rows = [base, base, base, listing({ GrossSquareMeters: 90 }), listing({ district: 'Kadıköy' })];
  const y = [0, 1, 1, 2, 1];
  const memory = ListingMemory.fit(rows, y, 3);

  it('returns the class shares of the exact duplicates seen in training', () => {
    const out = new Float64Array(3);
    expect(memory.lookup(base, out)).toBe(true);
    // base was seen three times as itself and once more spelled 'Kadıköy': 0, 1, 1, 1.
    expect(Array.from(out)).toEqual([0.25, 0.75, 0]);
    expect(memory.lookup(listing({ GrossSquareMeters: 90 }), out)).toBe(true);
    expect(Array.from(out)).toEqual([0, 0, 1]);
    expect(memory.size).toBe(2);
  });

  it('leaves the buffer alone and says false for a listing never seen', () => {
    const out = Float64Array.of(9, 9, 9);
    expect(memory.lookup(listing({ NetSquareMeters: 99 }), out)).toBe(false);
    expect(Array.from(out)).toEqual([9, 9, 9]);
  });

  it('round-trips through JSON text', () => {
    const restored = ListingMemory.fromJSON(JSON.parse(JSON.stringify(memory)));
    const a = new Float64Array(3);
    const b = new Float64Array(3);
    for (const row of [...rows, listing({ NetSquareMeters: 1 })]) {
      expect(restored.lookup(row, b)).toBe(memory.lookup(row, a));
      expect(Array.from(b)).toEqual(Array.from(a));
    }
  });

  it('refuses labels that are not class indices and a label count that differs from the rows', () => {
    expect(() => ListingMemory.fit([base], [3], 3)).toThrow(InvalidArgumentError);
    expect(() => ListingMemory.fit([base], [3], 3)).toThrow(/label 3 of row 0/);
    expect(() => ListingMemory.fit([base, base], [0], 3)).toThrow(/2 listings but 1 labels/);
  });

  it('refuses malformed JSON, naming the broken field', () => {
    const good = memory.toJSON();
    const cases: [unknown, RegExp][] = [
      [null, /expected a JSON object/],
      [{ ...good, kind: 'other' }, /got kind "other"/],
      [{ ...good, formatVersion: 9 }, /got v9, expected v1/],
      [{ ...good, fields: ['district'] }, /fields/],
      [{ ...good, nClasses: 1 }, /nClasses/],
      [{ ...good, keys: [1, 2] }, /keys must be an array of strings/],
      [{ ...good, counts: [1] }, /counts must hold keys.length \* nClasses = 6/],
      [{ ...good, counts: good.counts.map((c, i) => (i === 0 ? -1 : c)) }, /counts\[0\]/],
      [{ ...good, keys: [good.keys[0], good.keys[0]] }, /listed twice/],
      [{ ...good, counts: good.counts.map(() => 0) }, /has no rows/],
    ];
    for (const [json, message] of cases) {
      expect(() => ListingMemory.fromJSON(json)).toThrow(BundleFormatError);
      expect(() => ListingMemory.fromJSON(json)).toThrow(message);
    }
  });
});
