/**
 * The registry client's two failures: a request the registry refused (4xx,
 * retrying will not help) and a registry that could not be reached.
 */
import { MlopsError } from '@mlops/core';

/** The registry answered a request with a 4xx: the request itself is wrong, retrying will not help. */
export class RegistryClientError extends MlopsError {
  constructor(
    message: string,
    /** MLflow error code, e.g. RESOURCE_DOES_NOT_EXIST, INVALID_PARAMETER_VALUE. */
    readonly errorCode: string,
    /** HTTP status. */
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The registry could not be reached, timed out, or kept answering 5xx/429 through every retry. */
export class RegistryUnavailableError extends MlopsError {
  constructor(
    message: string,
    /** HTTP status of the last answer, or undefined when there was none. */
    readonly status?: number,
    readonly errorCode?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
