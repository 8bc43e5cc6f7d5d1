import { join } from 'node:path';
import { MODEL_BUNDLE_FILE, type Config, type Logger } from '@mlops/core';
import { readModelBundle } from './bundle-reader.js';
import { ModelSource } from './model-source.js';
import { RegistryClientLookup } from './registry-lookup.js';

/**
 * The model source the service runs with: the registry at REGISTRY_URL (aliases `production`, then
 * `staging`), then `<MODEL_DIR>/model.bundle.json`, polled every MODEL_REFRESH_SECONDS.
 */
export function createModelSource(config: Config, logger: Logger): ModelSource {
  return new ModelSource({
    modelName: config.MODEL_NAME,
    registry: new RegistryClientLookup({ url: config.REGISTRY_URL, token: config.REGISTRY_TOKEN }),
    localBundlePath: join(config.MODEL_DIR, MODEL_BUNDLE_FILE),
    readBundle: readModelBundle,
    refreshIntervalMs: config.MODEL_REFRESH_SECONDS * 1000,
    logger,
  });
}
