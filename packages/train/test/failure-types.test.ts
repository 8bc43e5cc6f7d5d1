import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { InvalidDataError } from '@mlops/core';
import { withFailureTypes } from '../src/failure-types.js';

describe('withFailureTypes', () => {
  it('returns what the work returns', async () => {
    await expect(withFailureTypes(async () => 42)).resolves.toBe(42);
  });

  it('turns a domain error into a failure typed by its class name, keeping message and cause', async () => {
    const error = new InvalidDataError('data/raw is empty');
    const failure = await withFailureTypes(async () => {
      throw error;
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'InvalidDataError', message: 'data/raw is empty', cause: error });
  });

  it('passes any other error through as it is, so it is retried', async () => {
    const error = new Error('registry unreachable');
    await expect(
      withFailureTypes(async () => {
        throw error;
      }),
    ).rejects.toBe(error);
  });
});
