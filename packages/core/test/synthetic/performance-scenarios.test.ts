import { describe, expect, it } from 'vitest';
import { DISTRICT_PROFILES } from '../../src/synthetic/district-profiles.js';
import { generateRawListings } from '../../src/synthetic/generator.js';
import {
  CONCEPT_DRIFT_DISTRICTS,
  generateScenarioListings,
  type PerformanceScenario,
} from '../../src/synthetic/performance-scenarios.js';
import { highShare, parsed } from './fixtures.js';

describe('generateScenarioListings', () => {
  it('gives the reference rows for the stable scenario', () => {
    expect(generateScenarioListings({ rows: 300, seed: 4, scenario: 'stable' })).toEqual(
      generateRawListings({ rows: 300, seed: 4 }),
    );
  });

  it('concept drift: the same listings, higher prices in its districts only, so labels move up', () => {
    const stable = generateScenarioListings({ rows: 4000, seed: 5, scenario: 'stable' });
    const drifted = generateScenarioListings({ rows: 4000, seed: 5, scenario: 'concept-drift' });
    const moved = new Set<string>(CONCEPT_DRIFT_DISTRICTS);
    let changedLabels = 0;
    stable.forEach((row, i) => {
      const other = drifted[i]!;
      // Every input column is identical; only the price (and so maybe the label) differs.
      expect({ ...other, price: row.price, price_category: row.price_category }).toEqual(row);
      if (!moved.has(row.district ?? '')) expect(other.price).toBe(row.price);
      if (other.price_category !== row.price_category) changedLabels++;
    });
    expect(changedLabels / stable.length).toBeGreaterThan(0.1);
    expect(highShare(parsed(drifted))).toBeGreaterThan(highShare(parsed(stable)) + 0.03);
  });

  it('covariate shift: more cheap-district and larger listings', () => {
    const meanOf = (scenario: PerformanceScenario) => {
      const listings = parsed(generateScenarioListings({ rows: 4000, seed: 6, scenario }));
      const area = listings.reduce((s, l) => s + l.GrossSquareMeters!, 0) / listings.length;
      const price =
        listings.reduce(
          (s, l) => s + DISTRICT_PROFILES[l.district as keyof typeof DISTRICT_PROFILES].pricePerM2,
          0,
        ) / listings.length;
      return { area, price };
    };
    const stable = meanOf('stable');
    const shifted = meanOf('covariate-shift');
    expect(shifted.area / stable.area).toBeGreaterThan(1.12);
    expect(shifted.price / stable.price).toBeLessThan(0.9);
  });

  it('names an unknown scenario', () => {
    expect(() =>
      generateScenarioListings({ rows: 1, seed: 1, scenario: 'chaos' as PerformanceScenario }),
    ).toThrow(/scenario must be one of stable, covariate-shift, concept-drift, got "chaos"/);
  });
});
