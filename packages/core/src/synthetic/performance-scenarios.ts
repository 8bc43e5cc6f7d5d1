/**
 * Labelled traffic for checking performance monitoring, where the truth is
 * known: three scenarios of the synthetic market.
 * - `stable`: the reference distribution (what the model was trained on);
 * - `covariate-shift`: the listing mix changes, the pricing rules do not:
 *   cheap districts get more of the traffic (weight ∝ count * (median price
 *   per m2 / district price per m2)^2) and flats are 20 % larger. The drift
 *   checks see it; a calibrated model's confidence follows it;
 * - `concept-drift`: the listing mix stays exactly the same (the very
 *   listings of `stable` for the same seed) but asking prices are 30 % higher
 *   in the fifteen most listed districts, so true categories move up while the
 *   inputs do not. Neither the drift checks nor a confidence-based estimate
 *   can see it; only feedback (realized performance) does.
 */
import { InvalidArgumentError } from '../errors.js';
import type { RawListingRow } from '../listing/raw-listings.js';
import { DISTRICT_COUNTS, DISTRICTS, type District } from '../listing/vocabulary.js';
import { DISTRICT_PROFILES } from './district-profiles.js';
import { generateMixedRawListings, type ListingMix } from './generator.js';

/** The performance scenarios. */
export const PERFORMANCE_SCENARIOS = ['stable', 'covariate-shift', 'concept-drift'] as const;
export type PerformanceScenario = (typeof PERFORMANCE_SCENARIOS)[number];

/** Price change of the concept-drift scenario in its districts. */
export const CONCEPT_DRIFT_PRICE_FACTOR = 1.3;
/** Districts whose prices move in the concept-drift scenario: the fifteen most listed (about two thirds of the traffic). */
export const CONCEPT_DRIFT_DISTRICTS: readonly District[] = [...DISTRICTS]
  .sort((a, b) => DISTRICT_COUNTS[b] - DISTRICT_COUNTS[a])
  .slice(0, 15);
/** Size multiplier of the covariate-shift scenario. */
export const COVARIATE_SHIFT_SIZE_FACTOR = 1.2;

function medianPricePerM2(): number {
  const prices = DISTRICTS.map((d) => DISTRICT_PROFILES[d].pricePerM2).sort((a, b) => a - b);
  return prices[Math.floor(prices.length / 2)]!;
}

/** The ListingMix of a scenario. */
export function performanceScenarioMix(scenario: PerformanceScenario): ListingMix {
  switch (scenario) {
    case 'stable':
      return {};
    case 'covariate-shift': {
      const median = medianPricePerM2();
      return {
        districtWeights: DISTRICTS.map(
          (d) => DISTRICT_COUNTS[d] * (median / DISTRICT_PROFILES[d].pricePerM2) ** 2,
        ),
        sizeFactor: COVARIATE_SHIFT_SIZE_FACTOR,
      };
    }
    case 'concept-drift':
      return {
        logPriceShift: Object.fromEntries(
          CONCEPT_DRIFT_DISTRICTS.map((d) => [d, Math.log(CONCEPT_DRIFT_PRICE_FACTOR)]),
        ),
      };
  }
}

/** Options of generateScenarioListings. */
export interface ScenarioListingsOptions {
  /** Number of listings. */
  rows: number;
  /** Seed; `stable` and `concept-drift` draw the same listings for the same seed. */
  seed: number;
  scenario: PerformanceScenario;
}

/**
 * Raw labelled listings of a performance scenario (labels on the reference
 * price cut points, so they move with the prices).
 * @throws InvalidArgumentError on an unknown scenario or bad rows/seed
 */
export function generateScenarioListings(options: ScenarioListingsOptions): RawListingRow[] {
  if (!(PERFORMANCE_SCENARIOS as readonly string[]).includes(options.scenario)) {
    throw new InvalidArgumentError(
      `scenario must be one of ${PERFORMANCE_SCENARIOS.join(', ')}, got ${JSON.stringify(options.scenario)}`,
    );
  }
  return generateMixedRawListings(
    { rows: options.rows, seed: options.seed },
    performanceScenarioMix(options.scenario),
  );
}
