/** Synthetic listings in the portal's raw form, with optional drift, and the performance scenarios. */
export {
  SYNTHETIC_DRIFT_SCENARIOS,
  type SyntheticDrift,
  type GenerateRawListingsOptions,
  type ListingMix,
  SUBSCRIPTION_TIERS,
  syntheticPriceThresholds,
  generateRawListings,
  generateMixedRawListings,
  type SyntheticListingsFile,
  writeSyntheticListings,
} from './generator.js';
export {
  PERFORMANCE_SCENARIOS,
  type PerformanceScenario,
  CONCEPT_DRIFT_PRICE_FACTOR,
  CONCEPT_DRIFT_DISTRICTS,
  COVARIATE_SHIFT_SIZE_FACTOR,
  performanceScenarioMix,
  type ScenarioListingsOptions,
  generateScenarioListings,
} from './performance-scenarios.js';
