import { describe, expect, it } from 'vitest';
import { EXAMPLE_LISTING, listingSchema } from '../../src/listing/listing.js';

const seedExample = {
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
};

describe('listingSchema', () => {
  it("accepts the old service's example body", () => {
    expect(listingSchema.safeParse(seedExample).success).toBe(true);
    expect(EXAMPLE_LISTING).toEqual(seedExample);
  });

  it('names every wrong field and why', () => {
    const result = listingSchema.safeParse({
      ...seedExample,
      GrossSquareMeters: -5,
      NetSquareMeters: 'eighty',
      district: undefined,
    });
    expect(result.success).toBe(false);
    const byField = Object.fromEntries(result.error!.issues.map((i) => [i.path.join('.'), i.message]));
    expect(byField.GrossSquareMeters).toMatch(/>= 0/);
    expect(byField.NetSquareMeters).toMatch(/must be a number, got "eighty"/);
    expect(byField.district).toMatch(/required/);
  });
});
