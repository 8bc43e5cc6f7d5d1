import { ApplicationFailure } from '@temporalio/activity';
import { MlopsError } from '@mlops/core';

/**
 * Runs an activity's work and turns a domain error into a Temporal failure
 * typed by its class name, so the workflow's non-retryable list
 * (NON_RETRYABLE_ERROR_TYPES: InvalidDataError, BundleFormatError, ...)
 * applies to it. Other errors pass through and are retried.
 */
export async function withFailureTypes<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof MlopsError) {
      throw ApplicationFailure.create({ message: error.message, type: error.name, cause: error });
    }
    throw error;
  }
}
