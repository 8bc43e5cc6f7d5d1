/**
 * Turns AWS SDK failures into RegistryErrors that say what is wrong with the
 * object store and name the bucket and endpoint (never a credential).
 * Misconfiguration (credentials refused, bucket missing, access denied) is
 * INTERNAL_ERROR; an unreachable or overloaded store is TEMPORARILY_UNAVAILABLE,
 * which clients retry.
 */
import { RegistryError } from '../errors.js';

/** What the failing request was about, for the message. */
export interface S3Target {
  /** `s3://bucket/prefix`. */
  location: string;
  /** The custom endpoint, or undefined for AWS itself. */
  endpoint: string | undefined;
}

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  errors?: unknown[];
}

const CREDENTIAL_ERRORS = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'ExpiredToken',
  'TokenRefreshRequired',
  'AuthorizationHeaderMalformed',
]);
const UNAVAILABLE_ERRORS = new Set([
  'ServiceUnavailable',
  'SlowDown',
  'InternalError',
  'RequestTimeout',
  'TimeoutError',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/** The network error code of `error`, looking inside Node's AggregateError (IPv4 and IPv6 attempts). */
function networkCode(error: SdkErrorShape): string | undefined {
  if (error.code && NETWORK_CODES.has(error.code)) return error.code;
  for (const inner of error.errors ?? []) {
    const code = (inner as SdkErrorShape).code;
    if (code && NETWORK_CODES.has(code)) return code;
  }
  return undefined;
}

/** The RegistryError for a failed S3 request; RegistryErrors (path checks, limits) pass through unchanged. */
export function s3Failure(error: unknown, target: S3Target): RegistryError {
  if (error instanceof RegistryError) return error;
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = shape.name ?? 'Error';
  const status = shape.$metadata?.httpStatusCode;
  const where = target.endpoint
    ? `the artifact store ${target.location} at ${target.endpoint}`
    : `the artifact store ${target.location}`;
  const fail = (code: 'INTERNAL_ERROR' | 'TEMPORARILY_UNAVAILABLE', why: string): RegistryError =>
    new RegistryError(code, `Cannot use ${where}: ${why}`, { cause: error });

  const network = networkCode(shape);
  if (network) return fail('TEMPORARILY_UNAVAILABLE', `the endpoint cannot be reached (${network})`);
  if (name === 'NoSuchBucket' || (name === 'NotFound' && status === 404)) {
    return fail('INTERNAL_ERROR', 'the bucket does not exist (create it, or fix REGISTRY_ARTIFACT_ROOT)');
  }
  if (CREDENTIAL_ERRORS.has(name)) {
    return fail(
      'INTERNAL_ERROR',
      `the credentials were refused (${name}); check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`,
    );
  }
  if (name === 'CredentialsProviderError') {
    return fail('INTERNAL_ERROR', 'no credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  }
  if (name === 'AccessDenied' || name === 'Forbidden' || status === 403) {
    return fail(
      'INTERNAL_ERROR',
      `access denied (${name}); the credentials are refused or lack permission on the bucket`,
    );
  }
  if (/region is missing/i.test(shape.message ?? '')) {
    return fail('INTERNAL_ERROR', 'no region configured; set AWS_REGION to the region of the bucket');
  }
  if (name === 'PermanentRedirect' || status === 301) {
    return fail('INTERNAL_ERROR', 'the bucket is in another region; set AWS_REGION to its region');
  }
  if (UNAVAILABLE_ERRORS.has(name) || (status !== undefined && status >= 500)) {
    return fail('TEMPORARILY_UNAVAILABLE', `the store answered ${name}${status ? ` (HTTP ${status})` : ''}`);
  }
  const detail = shape.message && shape.message !== name ? `: ${shape.message}` : '';
  return fail('INTERNAL_ERROR', `the request failed with ${name}${detail}`);
}
