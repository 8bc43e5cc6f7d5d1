/**
 * Where the served model comes from: the model source the service runs with, the registry it asks
 * (over `@mlops/registry-client`), and how a bundle file's text becomes a predictor. The polling and
 * hot-swap state machine itself is `model-source.ts`.
 */
import { join } from 'node:path';
import { BundleFormatError, MODEL_BUNDLE_FILE, type Config, type Logger } from '@mlops/core';
import { Model, parseBundle } from '@mlops/core/model';
import { RegistryClient } from '@mlops/registry-client';
import { ModelSource, type AliasedVersion, type RegistryModelLookup } from './model-source.js';
import type { PriceThresholds, Predictor } from './predictor.js';

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
  const bundle = parseBundle(json, origin);
  const model = Model.fromBundle(bundle);
  const priceThresholds = bundlePriceThresholds(bundle.metadata.priceThresholds);
  return { predict: (listing) => model.predict(listing), priceThresholds };
}

/** The bundle's recorded price cut points when they are usable (finite, low <= high), else null. */
function bundlePriceThresholds(value: unknown): PriceThresholds | null {
  if (value === null || typeof value !== 'object') return null;
  const { low, high } = value as Record<string, unknown>;
  if (typeof low !== 'number' || typeof high !== 'number') return null;
  if (!Number.isFinite(low) || !Number.isFinite(high) || low > high) return null;
  return { low, high };
}

export interface RegistryClientLookupOptions {
  /** Registry base URL (REGISTRY_URL). */
  url: string;
  /** Bearer token (REGISTRY_TOKEN); reads are open, so usually unset. */
  token?: string | undefined;
  /**
   * Retries per call on connection errors and 5xx (default 1). Few: the model source polls again
   * anyway, and a quick failure lets /health report an outage promptly.
   */
  retries?: number;
  /** Timeout of one attempt in milliseconds (default 10,000). */
  timeoutMs?: number;
}

/**
 * The model source's registry calls, over the registry client: the version an alias points at and
 * the bundle file at the version's `source` (an `mlflow-artifacts:/…/model.bundle.json` URI).
 */
export class RegistryClientLookup implements RegistryModelLookup {
  readonly url: string;
  private readonly client: RegistryClient;

  constructor(options: RegistryClientLookupOptions) {
    this.client = new RegistryClient({
      baseUrl: options.url,
      token: options.token,
      retries: options.retries ?? 1,
      retryDelayMs: 200,
      timeoutMs: options.timeoutMs ?? 10_000,
    });
    this.url = this.client.baseUrl;
  }

  async versionByAlias(modelName: string, alias: string): Promise<AliasedVersion | null> {
    const version = await this.client.getModelVersionByAlias(modelName, alias);
    if (!version) return null;
    return { version: String(version.version), source: version.source };
  }

  async downloadBundle(source: string): Promise<string> {
    return (await this.client.downloadArtifact(source)).toString('utf8');
  }
}
