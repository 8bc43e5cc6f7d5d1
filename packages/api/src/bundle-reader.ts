import { BundleFormatError } from '@mlops/core';
import { Model, parseBundle } from '@mlops/core/model';
import type { Predictor } from './predictor.js';

/**
 * Parses a model bundle file's text into a ready model (core's parseBundle + Model.fromBundle: the
 * same pipeline code as training, so serving cannot skew). Throws BundleFormatError naming the problem.
 * @param origin how to name the bundle in messages (a file path or registry URI)
 */
export function readModelBundle(text: string, origin = 'model bundle'): Predictor {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new BundleFormatError(`${origin} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  return Model.fromBundle(parseBundle(json, origin));
}
