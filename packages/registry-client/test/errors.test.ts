import { MlopsError } from '@mlops/core';
import { describe, expect, it } from 'vitest';
import { RegistryClientError, RegistryUnavailableError } from '../src/errors.js';

describe('registry client errors', () => {
  it('carries the MLflow error code and HTTP status of a refused request', () => {
    const error = new RegistryClientError('GET runs/get failed', 'RESOURCE_DOES_NOT_EXIST', 404);
    expect(error).toBeInstanceOf(MlopsError);
    expect(error).toMatchObject({
      name: 'RegistryClientError',
      message: 'GET runs/get failed',
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
      status: 404,
    });
  });

  it('carries the last status, code and cause of an unreachable registry, each optional', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new RegistryUnavailableError('down', undefined, undefined, { cause });
    expect(error).toBeInstanceOf(MlopsError);
    expect(error).toMatchObject({
      name: 'RegistryUnavailableError',
      status: undefined,
      errorCode: undefined,
    });
    expect(error.cause).toBe(cause);
    expect(new RegistryUnavailableError('busy', 503, 'TEMPORARILY_UNAVAILABLE')).toMatchObject({
      status: 503,
      errorCode: 'TEMPORARILY_UNAVAILABLE',
    });
  });
});
