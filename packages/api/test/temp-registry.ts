import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { MODEL_BUNDLE_FILE, TRAINING_EXPERIMENT } from '@mlops/core';
import { buildApp } from '@mlops/registry';

/**
 * The real registry service on 127.0.0.1 with its database and artifacts in a temp folder, plus the
 * MLflow REST calls a training run makes to publish a model version (run, artifact upload, version,
 * alias). `stop()` simulates an outage; `restart()` brings the same registry back on the same port.
 */
export class TempRegistry {
  readonly dir: string;
  url = '';
  private app: FastifyInstance | null = null;
  private port = 0;
  private experimentId: string | null = null;

  private constructor(readonly modelName: string) {
    this.dir = mkdtempSync(join(tmpdir(), 'api-registry-'));
  }

  static async start(modelName = 'HousingPriceClassifier'): Promise<TempRegistry> {
    const registry = new TempRegistry(modelName);
    await registry.listen();
    return registry;
  }

  /** Logs a run with the bundle as its artifact, registers it as a new version, and returns the version. */
  async publish(bundle: string, alias?: 'production' | 'staging'): Promise<string> {
    this.experimentId ??= await this.experiment();
    const { run } = await this.call<{ run: { info: { run_id: string; artifact_uri: string } } }>(
      'POST',
      'runs/create',
      {
        experiment_id: this.experimentId,
        start_time: Date.now(),
      },
    );
    const artifactUri = run.info.artifact_uri;
    const artifactPath = artifactUri.replace(/^mlflow-artifacts:\//, '');
    const upload = await fetch(
      `${this.url}/api/2.0/mlflow-artifacts/artifacts/${artifactPath}/${MODEL_BUNDLE_FILE}`,
      {
        method: 'PUT',
        body: bundle,
        headers: { 'content-type': 'application/json' },
      },
    );
    const uploadAnswer = await upload.text();
    if (!upload.ok) throw new Error(`artifact upload failed: ${upload.status} ${uploadAnswer}`);
    await this.call('POST', 'registered-models/create', { name: this.modelName }).catch((error: Error) => {
      if (!error.message.includes('RESOURCE_ALREADY_EXISTS')) throw error;
    });
    const { model_version } = await this.call<{ model_version: { version: string } }>(
      'POST',
      'model-versions/create',
      {
        name: this.modelName,
        source: `${artifactUri}/${MODEL_BUNDLE_FILE}`,
        run_id: run.info.run_id,
      },
    );
    if (alias) await this.setAlias(alias, model_version.version);
    return model_version.version;
  }

  async setAlias(alias: 'production' | 'staging', version: string): Promise<void> {
    await this.call('POST', 'registered-models/alias', { name: this.modelName, alias, version });
  }

  async deleteAlias(alias: 'production' | 'staging'): Promise<void> {
    await this.call('DELETE', 'registered-models/alias', { name: this.modelName, alias });
  }

  /**
   * Stops listening and drops every open connection, as a crashed registry would (clients get
   * connection refused or reset); the data stays for `restart()`.
   */
  async stop(): Promise<void> {
    const app = this.app;
    this.app = null;
    if (!app) return;
    const closing = app.close();
    // A keep-alive connection of a client would otherwise hold close() open until it times out.
    app.server.closeAllConnections();
    await closing;
  }

  async restart(): Promise<void> {
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async listen(port = 0): Promise<void> {
    const app = buildApp({ dbPath: join(this.dir, 'registry.db'), artifactRoot: join(this.dir, 'mlruns') });
    await app.listen({ host: '127.0.0.1', port });
    const address = app.server.address();
    if (typeof address !== 'object' || address === null) throw new Error('registry did not bind a port');
    this.port = address.port;
    this.url = `http://127.0.0.1:${this.port}`;
    this.app = app;
  }

  private async experiment(): Promise<string> {
    const { experiment_id } = await this.call<{ experiment_id: string }>('POST', 'experiments/create', {
      name: TRAINING_EXPERIMENT,
    });
    return experiment_id;
  }

  private async call<T = unknown>(method: string, path: string, body: unknown): Promise<T> {
    const response = await fetch(`${this.url}/api/2.0/mlflow/${path}`, {
      method,
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} failed: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  }
}
