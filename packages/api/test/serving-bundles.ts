import type { BundleReader } from '../src/predictor.js';
import { readRuleBundle, ruleBundle } from './rule-bundles.js';

/** A bundle the serving tests load; `variant` gives distinct bundles (distinct versions). */
export async function servingBundle(variant = 0): Promise<string> {
  return ruleBundle(100 + variant);
}

export const servingBundleReader: BundleReader = readRuleBundle;
