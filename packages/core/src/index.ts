export * from './constants.js';
export * from './errors.js';
export * from './logging.js';
export * from './config.js';
export * from './listing.js';
export * from './production-log-schema.js';
export * from './temporal-binary.js';
export type * from './workflow-types.js';
export * from './metrics.js';
