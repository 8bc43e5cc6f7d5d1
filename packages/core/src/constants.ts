/**
 * Names shared by every package. Services never import each other, so the
 * names they must agree on (experiment and model names, aliases, file names,
 * the price categories) live here, once. Temporal's names are in `@mlops/temporal`.
 */

/** Registry experiment holding training runs. */
export const TRAINING_EXPERIMENT = 'housing-price-classification';
/** Registry experiment holding drift checks. */
export const MONITORING_EXPERIMENT = 'monitoring';
/** Default registered model name (overridable with MODEL_NAME). */
export const DEFAULT_MODEL_NAME = 'HousingPriceClassifier';
/** Alias of the model version the API serves. */
export const PRODUCTION_ALIAS = 'production';
/** Alias of the most recently trained model version. */
export const STAGING_ALIAS = 'staging';

/** The three price categories, in a fixed order used by every probability vector. */
export const PRICE_CATEGORIES = ['low', 'medium', 'high'] as const;
export type PriceCategory = (typeof PRICE_CATEGORIES)[number];

/** File names inside a run's artifacts and inside `models/`. */
export const MODEL_BUNDLE_FILE = 'model.bundle.json';
export const REFERENCE_SNAPSHOT_FILE = 'reference.json';
