import { BundleFormatError } from '@mlops/core';
import type { Predictor } from './predictor.js';

/** Parses a model bundle file's text into a predictor (core's parseBundle + Model). */
export function readModelBundle(_text: string): Predictor {
  throw new BundleFormatError('model bundle reader not available yet');
}
