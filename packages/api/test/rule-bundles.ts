import type { AliasedVersion, RegistryModelLookup } from '../src/model-source.js';
import type { BundleReader, Prediction } from '../src/predictor.js';

/**
 * Tiny stand-in bundles for the model source's state-machine tests: a listing is `high` when its gross
 * area exceeds a threshold, else `low`. `fault` makes a bundle that parses but fails verification.
 * Tests of serving use real bundles trained by core (trained-bundles.ts).
 */
export function ruleBundle(threshold: number, fault?: 'throws' | 'bad_probabilities'): string {
  return JSON.stringify({ kind: 'rule-test-bundle', threshold, fault: fault ?? null });
}

export const readRuleBundle: BundleReader = (text) => {
  const parsed = JSON.parse(text) as { kind?: string; threshold: number; fault: string | null };
  if (parsed.kind !== 'rule-test-bundle')
    throw new Error(`not a rule test bundle: kind ${String(parsed.kind)}`);
  return {
    predict(listing): Prediction {
      if (parsed.fault === 'throws') throw new Error('feature pipeline exploded');
      if (parsed.fault === 'bad_probabilities') {
        return { price_category: 'low', probabilities: { low: 0.9, medium: 0.9, high: 0.9 } };
      }
      const high = (listing.GrossSquareMeters ?? 0) > parsed.threshold;
      return high
        ? { price_category: 'high', probabilities: { low: 0.1, medium: 0.2, high: 0.7 } }
        : { price_category: 'low', probabilities: { low: 0.7, medium: 0.2, high: 0.1 } };
    },
  };
};

/** An in-memory registry for state-machine tests; `down` makes every call fail like a refused connection. */
export class InMemoryRegistry implements RegistryModelLookup {
  readonly url = 'http://registry.test';
  down = false;
  readonly aliases = new Map<string, AliasedVersion>();
  readonly files = new Map<string, string>();
  downloads = 0;

  /** Registers version `version` with a bundle and points `alias` at it. */
  setAlias(alias: string, version: string, bundle?: string): void {
    const source = `mlflow-artifacts:/1/run${version}/artifacts/model.bundle.json`;
    if (bundle !== undefined) this.files.set(source, bundle);
    this.aliases.set(alias, { version, source });
  }

  async versionByAlias(_modelName: string, alias: string): Promise<AliasedVersion | null> {
    this.failIfDown();
    return this.aliases.get(alias) ?? null;
  }

  async downloadBundle(source: string): Promise<string> {
    this.failIfDown();
    this.downloads += 1;
    const text = this.files.get(source);
    if (text === undefined) throw new Error(`no artifact at ${source}`);
    return text;
  }

  private failIfDown(): void {
    if (this.down) {
      throw new Error('fetch failed', {
        cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5000'), { code: 'ECONNREFUSED' }),
      });
    }
  }
}
