/** Synthetic listings in the portal's raw form, with optional drift. */
export {
  SYNTHETIC_DRIFT_SCENARIOS,
  type SyntheticDrift,
  type GenerateRawListingsOptions,
  SUBSCRIPTION_TIERS,
  syntheticPriceThresholds,
  generateRawListings,
  type SyntheticListingsFile,
  writeSyntheticListings,
} from './generator.js';
