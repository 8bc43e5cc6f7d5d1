import { describe, expect, it } from 'vitest';
import {
  BundleFormatError,
  ConfigError,
  InvalidArgumentError,
  InvalidDataError,
  MlopsError,
} from '@mlops/core';
import { NON_RETRYABLE_ERROR_TYPES } from '../src/names.js';

/** The core errors that mean "permanent": retrying the same call fails the same way. */
const PERMANENT_ERRORS = [InvalidDataError, BundleFormatError, ConfigError, InvalidArgumentError];

describe('NON_RETRYABLE_ERROR_TYPES', () => {
  it("is exactly the failure types (error names) of core's permanent errors", () => {
    const names = PERMANENT_ERRORS.map((ErrorClass) => new ErrorClass('permanent').name);
    for (const name of names) expect(NON_RETRYABLE_ERROR_TYPES).toContain(name);
    for (const type of NON_RETRYABLE_ERROR_TYPES) expect(names).toContain(type);
    expect(new Set(NON_RETRYABLE_ERROR_TYPES).size).toBe(NON_RETRYABLE_ERROR_TYPES.length);
  });

  it('leaves the base error retryable, and cannot be changed at run time', () => {
    expect(NON_RETRYABLE_ERROR_TYPES).not.toContain(new MlopsError('transient').name);
    expect(Object.isFrozen(NON_RETRYABLE_ERROR_TYPES)).toBe(true);
  });
});
