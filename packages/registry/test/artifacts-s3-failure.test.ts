/**
 * The mapping of AWS SDK failures to registry errors, for the cases the S3
 * server tests cannot provoke (no region, no credentials, AWS's own redirects
 * and overload answers). The shapes are those the SDK throws.
 */
import { describe, expect, it } from 'vitest';
import { s3Failure } from '../src/artifacts/s3-failure.js';
import { RegistryError } from '../src/errors.js';

const target = { location: 's3://mlops-artifacts/registry', endpoint: 'http://127.0.0.1:8333' };

function sdkError(name: string, status?: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status }, ...extra });
}

describe('s3Failure', () => {
  it.each([
    [sdkError('NoSuchBucket', 404), 'INTERNAL_ERROR', /the bucket does not exist/],
    [sdkError('NotFound', 404), 'INTERNAL_ERROR', /the bucket does not exist/],
    [
      sdkError('InvalidAccessKeyId', 403),
      'INTERNAL_ERROR',
      /credentials were refused \(InvalidAccessKeyId\)/,
    ],
    [sdkError('AccessDenied', 403), 'INTERNAL_ERROR', /access denied \(AccessDenied\)/],
    [sdkError('CredentialsProviderError'), 'INTERNAL_ERROR', /no credentials found; set AWS_ACCESS_KEY_ID/],
    [new Error('Region is missing'), 'INTERNAL_ERROR', /no region configured; set AWS_REGION/],
    [sdkError('PermanentRedirect', 301), 'INTERNAL_ERROR', /in another region; set AWS_REGION/],
    [sdkError('SlowDown', 503), 'TEMPORARILY_UNAVAILABLE', /answered SlowDown \(HTTP 503\)/],
    [sdkError('InternalError', 500), 'TEMPORARILY_UNAVAILABLE', /answered InternalError/],
    [
      Object.assign(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]), {
        code: undefined,
      }),
      'TEMPORARILY_UNAVAILABLE',
      /the endpoint cannot be reached \(ECONNREFUSED\)/,
    ],
  ])('maps %s', (error, code, message) => {
    const mapped = s3Failure(error, target);
    expect(mapped.errorCode).toBe(code);
    expect(mapped.message).toMatch(message);
    expect(mapped.message).toContain('s3://mlops-artifacts/registry at http://127.0.0.1:8333');
  });

  it('passes RegistryErrors (path checks, the upload limit) through unchanged', () => {
    const limit = new RegistryError('RESOURCE_LIMIT_EXCEEDED', 'too large');
    expect(s3Failure(limit, target)).toBe(limit);
  });

  it('names the store without an endpoint for AWS itself', () => {
    const mapped = s3Failure(sdkError('NoSuchBucket', 404), { location: 's3://b-1/x', endpoint: undefined });
    expect(mapped.message).toBe(
      'Cannot use the artifact store s3://b-1/x: the bucket does not exist (create it, or fix REGISTRY_ARTIFACT_ROOT)',
    );
  });
});
