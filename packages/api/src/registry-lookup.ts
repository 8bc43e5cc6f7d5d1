import type { AliasedVersion, RegistryModelLookup } from './model-source.js';

export interface RegistryClientLookupOptions {
  /** Registry base URL (REGISTRY_URL). */
  url: string;
  /** Bearer token (REGISTRY_TOKEN); reads are open, so usually unset. */
  token?: string | undefined;
}

/** Status of an HTTP answer, kept on the error so the model source can tell outages from bad bundles. */
export class RegistryHttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'RegistryHttpError';
  }
}

/**
 * The model source's registry calls over the MLflow REST subset: the version behind an alias
 * (`GET registered-models/alias`) and the bundle at its `mlflow-artifacts:/` source.
 */
export class RegistryClientLookup implements RegistryModelLookup {
  readonly url: string;
  private readonly headers: Record<string, string>;

  constructor(options: RegistryClientLookupOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.headers = options.token ? { authorization: `Bearer ${options.token}` } : {};
  }

  async versionByAlias(modelName: string, alias: string): Promise<AliasedVersion | null> {
    const query = new URLSearchParams({ name: modelName, alias });
    const response = await fetch(`${this.url}/api/2.0/mlflow/registered-models/alias?${query}`, {
      headers: this.headers,
    });
    // Unknown model: 404 RESOURCE_DOES_NOT_EXIST; unknown alias: 400 INVALID_PARAMETER_VALUE.
    if (response.status === 404 || response.status === 400) {
      await response.body?.cancel();
      return null;
    }
    if (!response.ok) {
      throw new RegistryHttpError(`registry answered ${response.status} for alias ${alias}`, response.status);
    }
    const body = (await response.json()) as { model_version?: { version?: string; source?: string } };
    const version = body.model_version;
    if (!version?.version || !version.source) return null;
    return { version: String(version.version), source: version.source };
  }

  async downloadBundle(source: string): Promise<string> {
    const prefix = 'mlflow-artifacts:/';
    if (!source.startsWith(prefix)) {
      throw new Error(
        `unsupported model source ${JSON.stringify(source)}: expected ${prefix}<path to the bundle>`,
      );
    }
    const path = source.slice(prefix.length).split('/').map(encodeURIComponent).join('/');
    const response = await fetch(`${this.url}/api/2.0/mlflow-artifacts/artifacts/${path}`, {
      headers: this.headers,
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new RegistryHttpError(
        `registry answered ${response.status} downloading ${source}`,
        response.status,
      );
    }
    return response.text();
  }
}
