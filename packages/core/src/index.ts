/**
 * `@mlops/core`: configuration, shared names, errors and logging. The domain
 * lives in one subpath per folder: `@mlops/core/listing`, `/sampling`,
 * `/synthetic`, `/features`, `/model`, `/model/forest`, `/model/boosting`,
 * `/drift` and `/performance`.
 */
export {
  DEFAULT_MODEL_NAME,
  MODEL_BUNDLE_FILE,
  MONITORING_EXPERIMENT,
  PRICE_CATEGORIES,
  PRODUCTION_ALIAS,
  REFERENCE_SNAPSHOT_FILE,
  STAGING_ALIAS,
  TRAINING_EXPERIMENT,
  type PriceCategory,
} from './constants.js';
export {
  BundleFormatError,
  ConfigError,
  InvalidArgumentError,
  InvalidDataError,
  MlopsError,
} from './errors.js';
export {
  POSTGRES_URL_SCHEMES,
  describeDatabaseError,
  isPostgresUrl,
  postgresUrlProblem,
  redactUrl,
} from './database-url.js';
export { createLogger, type Logger, type LoggerSettings } from './logging.js';
export {
  CONFIG_VARIABLES,
  configSchema,
  loadConfig,
  loadConfigOrExit,
  parseDurationMs,
  type Config,
} from './config.js';
