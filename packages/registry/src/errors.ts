/**
 * The registry's one error type. Stores and routes throw RegistryError with an
 * MLflow error code; the one error handler turns it into MLflow's wire shape
 * `{"error_code","message"}` with the status from ERROR_STATUS.
 */

/** MLflow error codes (names from MLflow's `databricks.proto` ErrorCode enum) this server answers with. */
export type RegistryErrorCode =
  | 'INVALID_PARAMETER_VALUE'
  | 'BAD_REQUEST'
  | 'MALFORMED_REQUEST'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'ENDPOINT_NOT_FOUND'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'RESOURCE_LIMIT_EXCEEDED'
  | 'REQUEST_LIMIT_EXCEEDED'
  | 'INTERNAL_ERROR'
  | 'TEMPORARILY_UNAVAILABLE';

/**
 * HTTP status of every code. Typed over the whole union, so adding a code
 * without a status fails to compile. Statuses follow MLflow's
 * `ERROR_CODE_TO_HTTP_STATUS`, with two deliberate additions: MALFORMED_REQUEST
 * (unparseable JSON) is 400, and RESOURCE_LIMIT_EXCEEDED (body or upload over
 * the configured limit) is 413. Every deterministic failure is a 4xx because the
 * MLflow client retries 5xx for minutes.
 */
export const ERROR_STATUS: Readonly<Record<RegistryErrorCode, number>> = {
  INVALID_PARAMETER_VALUE: 400,
  BAD_REQUEST: 400,
  MALFORMED_REQUEST: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  RESOURCE_LIMIT_EXCEEDED: 413,
  REQUEST_LIMIT_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
  TEMPORARILY_UNAVAILABLE: 503,
};

/** An expected failure with an MLflow error code; its message goes to the client verbatim. */
export class RegistryError extends Error {
  readonly errorCode: RegistryErrorCode;
  /** A status other than the code's usual one, for HTTP-level failures MLflow has no code of its own for (405, 415). */
  private readonly status: number | undefined;

  constructor(errorCode: RegistryErrorCode, message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options);
    this.name = 'RegistryError';
    this.errorCode = errorCode;
    this.status = options?.status;
  }

  /** HTTP status of this error: the override when given, else its code's. */
  get statusCode(): number {
    return this.status ?? ERROR_STATUS[this.errorCode];
  }

  /** The MLflow wire body. */
  toJSON(): { error_code: RegistryErrorCode; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }
}

/** Shorthand for the most common failure: a request field is missing or malformed. */
export function invalidParameter(message: string): RegistryError {
  return new RegistryError('INVALID_PARAMETER_VALUE', message);
}

/** Shorthand for "no such experiment/run/model/version/artifact". */
export function notFound(message: string): RegistryError {
  return new RegistryError('RESOURCE_DOES_NOT_EXIST', message);
}
