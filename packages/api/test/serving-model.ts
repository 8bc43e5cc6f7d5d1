import { readModelBundle } from '../src/model-loading.js';
import { ModelSource } from '../src/model-source.js';
import { InMemoryRegistry } from './rule-bundles.js';

/**
 * What most API tests serve: a registry in memory whose `production` alias is `version` with
 * `bundle`, and a ModelSource (no local fallback, no background refresh in a test's time) that
 * has already loaded it.
 */
export async function servingModel(
  bundle: string,
  version: string,
): Promise<{ registry: InMemoryRegistry; models: ModelSource }> {
  const registry = new InMemoryRegistry();
  registry.setAlias('production', version, bundle);
  const models = new ModelSource({
    modelName: 'HousingPriceClassifier',
    registry,
    localBundlePath: null,
    readBundle: readModelBundle,
    refreshIntervalMs: 60_000,
  });
  await models.refresh();
  return { registry, models };
}
