import { RegistryClient } from '@mlops/registry-client';
import type { AliasedVersion, RegistryModelLookup } from './model-source.js';

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
 * The model source's registry calls, over core's RegistryClient: the version an alias points at and
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
