/**
 * Domain errors of the core library. Each class name doubles as the Temporal
 * failure type, so workflows can list the permanent ones as non-retryable.
 */

/** Base class: keeps `cause` and sets `name` to the concrete class name. */
export class MlopsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A data file or record is unusable: missing, empty, wrong columns, too many bad rows. */
export class InvalidDataError extends MlopsError {}

/** A configuration value (environment variable) is invalid. */
export class ConfigError extends MlopsError {}

/** A serialized model, pipeline or forest has the wrong kind or format version. */
export class BundleFormatError extends MlopsError {}

/** A caller passed an argument outside its valid range. */
export class InvalidArgumentError extends MlopsError {}
