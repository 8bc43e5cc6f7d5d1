/**
 * Typed client of the registry service (its MLflow REST subset), used by
 * train, api and monitor. Plain `fetch`; retries with exponential backoff on
 * connection errors, timeouts, 429 and 5xx; a RegistryClientError carrying
 * MLflow's error_code on any other failure.
 *
 * Conventions: lookups by name (getExperimentByName, getRegisteredModel,
 * getModelVersionByAlias) return undefined when absent; lookups by id throw.
 * Times are ms since epoch. Entities are camelCase views of the wire JSON
 * (./entities.ts, converted from ./wire.ts).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  toArtifactFile,
  toExperiment,
  toKeyValues,
  toMetric,
  toModelVersion,
  toRegisteredModel,
  toRun,
  toRunInfo,
  toWireMetric,
  type ModelVersion,
  type RegisteredModel,
  type RegistryArtifactFile,
  type RegistryExperiment,
  type RegistryMetric,
  type RegistryRun,
  type RegistryRunInfo,
  type RegistryRunStatus,
} from './entities.js';
import { RegistryClientError, RegistryUnavailableError } from './errors.js';
import * as wire from './wire.js';

export interface RegistryClientOptions {
  /** Base URL of the registry, e.g. `http://localhost:5000` (REGISTRY_URL). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>` on every request (REGISTRY_TOKEN). */
  token?: string;
  /** Retries after the first attempt on connection errors, timeouts, 429 and 5xx. Default 3. */
  retries?: number;
  /** First backoff delay in ms, doubled per retry. Default 200. */
  retryDelayMs?: number;
  /** Upper bound of one backoff delay in ms. Default 2000. */
  maxRetryDelayMs?: number;
  /** Timeout of one attempt in ms. Default 30,000. */
  timeoutMs?: number;
}

export interface SearchRunsOptions {
  experimentIds: string[];
  /** MLflow filter, e.g. `metrics.macro_f1 > 0.8 AND params.trees = '100'`. */
  filter?: string;
  /** e.g. `['metrics.macro_f1 DESC']`; default start_time DESC. */
  orderBy?: string[];
  /** Most runs returned, following pages as needed. Default 1000. */
  maxResults?: number;
  viewType?: wire.ViewType;
}

/** Body of an artifact upload: bytes, text, or a local file streamed from disk. */
export type RegistryArtifactBody = Buffer | Uint8Array | string | { file: string };

/** Chunks of at most `size` items (log-batch has per-request limits). */
function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Splits `mlflow-artifacts:/1/abc/artifacts` into its root-relative path `1/abc/artifacts`. */
function proxiedPath(uri: string): string {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/.exec(uri);
  if (!match) {
    throw new RegistryClientError(
      `Artifact URI '${uri}' is not served by the registry (expected mlflow-artifacts:/...)`,
      'INVALID_PARAMETER_VALUE',
      400,
    );
  }
  return (match[1] as string).replace(/\/+$/, '');
}

function joinPath(...parts: (string | undefined)[]): string {
  return parts
    .filter((p): p is string => p !== undefined && p !== '')
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter((p) => p !== '')
    .join('/');
}

type RequestBody = NonNullable<RequestInit['body']>;
type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';
type QueryValue = string | number | boolean | undefined | (string | number)[];

/** Client of one registry. Safe to share; it keeps no per-request state except a run artifact-URI cache. */
export class RegistryClient {
  readonly baseUrl: string;
  private readonly token: string | undefined;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly timeoutMs: number;
  private readonly artifactUris = new Map<string, string>();

  constructor(options: RegistryClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.token = options.token;
    this.retries = options.retries ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 200;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 2000;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  // ---- transport -----------------------------------------------------------

  /**
   * One HTTP exchange with retries. Returns the Response of the first
   * non-retryable answer; throws RegistryClientError for 4xx and
   * RegistryUnavailableError when every attempt failed.
   */
  private async send(
    method: Method,
    url: string,
    what: string,
    makeBody?: () => { body: RequestBody | Readable; headers: Record<string, string> } | undefined,
  ): Promise<Response> {
    let lastProblem = '';
    let lastStatus: number | undefined;
    let lastCode: string | undefined;
    let lastCause: unknown;
    for (let attempt = 0; attempt <= this.retries; attempt += 1) {
      if (attempt > 0) {
        const delay = Math.min(this.maxRetryDelayMs, this.retryDelayMs * 2 ** (attempt - 1));
        await sleep(delay * (0.75 + Math.random() * 0.5));
      }
      const headers: Record<string, string> = {};
      if (this.token) headers.authorization = `Bearer ${this.token}`;
      const payload = makeBody?.();
      if (payload) Object.assign(headers, payload.headers);
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers,
          body: payload?.body as RequestBody | undefined,
          signal: AbortSignal.timeout(this.timeoutMs),
          // Required by Node's fetch for streamed request bodies.
          ...(payload?.body instanceof Readable ? { duplex: 'half' } : {}),
        } as RequestInit);
      } catch (error) {
        if (payload?.body instanceof Readable) payload.body.destroy();
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        lastProblem = cause?.code ?? cause?.message ?? (error as Error).message;
        lastStatus = undefined;
        lastCode = undefined;
        lastCause = error;
        continue;
      }
      if (response.ok) return response;
      const { errorCode, message } = await this.readError(response);
      if (!RETRYABLE_STATUS.has(response.status)) {
        throw new RegistryClientError(`${what} failed: ${errorCode}: ${message}`, errorCode, response.status);
      }
      lastProblem = `HTTP ${response.status} ${errorCode}: ${message}`;
      lastStatus = response.status;
      lastCode = errorCode;
      lastCause = undefined;
    }
    throw new RegistryUnavailableError(
      `${what} failed after ${this.retries + 1} attempts against ${this.baseUrl}: ${lastProblem}`,
      lastStatus,
      lastCode,
      { cause: lastCause },
    );
  }

  private async readError(response: Response): Promise<{ errorCode: string; message: string }> {
    const text = await response.text().catch(() => '');
    try {
      const body = JSON.parse(text) as { error_code?: unknown; message?: unknown };
      if (typeof body.error_code === 'string') {
        return {
          errorCode: body.error_code,
          message: typeof body.message === 'string' ? body.message : text,
        };
      }
    } catch {
      // not JSON: classify by status below
    }
    const errorCode = response.status === 404 ? 'ENDPOINT_NOT_FOUND' : `HTTP_${response.status}`;
    return { errorCode, message: text.slice(0, 200) || response.statusText };
  }

  /** Calls `/api/2.0/mlflow/<endpoint>`: GET fields go in the query (lists as repeated keys), others as JSON. */
  private async call<T>(method: Method, endpoint: string, fields: Record<string, unknown> = {}): Promise<T> {
    let url = `${this.baseUrl}/api/2.0/mlflow/${endpoint}`;
    const what = `${method} ${endpoint}`;
    let response: Response;
    if (method === 'GET') {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(fields as Record<string, QueryValue>)) {
        if (value === undefined) continue;
        for (const item of Array.isArray(value) ? value : [value]) query.append(key, String(item));
      }
      const text = query.toString();
      if (text) url += `?${text}`;
      response = await this.send(method, url, what);
    } else {
      const body = JSON.stringify(fields);
      response = await this.send(method, url, what, () => ({
        body,
        headers: { 'content-type': 'application/json' },
      }));
    }
    return (await response.json()) as T;
  }

  /** Runs `fn`, turning the given error codes into undefined. */
  private async absentAs<T>(codes: string[], fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof RegistryClientError && codes.includes(error.errorCode)) return undefined;
      throw error;
    }
  }

  // ---- experiments -----------------------------------------------------------

  /** The experiment called `name` (active or deleted), or undefined. */
  async getExperimentByName(name: string): Promise<RegistryExperiment | undefined> {
    return this.absentAs(['RESOURCE_DOES_NOT_EXIST'], async () => {
      const r = await this.call<{ experiment: wire.Experiment }>('GET', 'experiments/get-by-name', {
        experiment_name: name,
      });
      return toExperiment(r.experiment);
    });
  }

  async getExperiment(experimentId: string): Promise<RegistryExperiment> {
    const r = await this.call<{ experiment: wire.Experiment }>('GET', 'experiments/get', {
      experiment_id: experimentId,
    });
    return toExperiment(r.experiment);
  }

  /** Creates an experiment and returns its id. */
  async createExperiment(name: string, tags: Record<string, string> = {}): Promise<string> {
    const r = await this.call<{ experiment_id: string }>('POST', 'experiments/create', {
      name,
      tags: toKeyValues(tags),
    });
    return r.experiment_id;
  }

  /**
   * The experiment called `name`, created when missing (safe against a
   * concurrent creator) and restored when it was deleted, because the stack's
   * fixed experiments must always accept runs.
   */
  async getOrCreateExperiment(name: string): Promise<RegistryExperiment> {
    const existing = await this.getExperimentByName(name);
    if (existing) {
      if (existing.lifecycleStage === 'active') return existing;
      await this.call('POST', 'experiments/restore', { experiment_id: existing.experimentId });
      return this.getExperiment(existing.experimentId);
    }
    try {
      return await this.getExperiment(await this.createExperiment(name));
    } catch (error) {
      if (error instanceof RegistryClientError && error.errorCode === 'RESOURCE_ALREADY_EXISTS') {
        const raced = await this.getExperimentByName(name);
        if (raced) return raced;
      }
      throw error;
    }
  }

  // ---- runs --------------------------------------------------------------------

  /** Starts a run (status RUNNING). `startTime` defaults to now. */
  async createRun(options: {
    experimentId: string;
    runName?: string;
    tags?: Record<string, string>;
    startTime?: number;
    userId?: string;
  }): Promise<RegistryRun> {
    const r = await this.call<{ run: wire.Run }>('POST', 'runs/create', {
      experiment_id: options.experimentId,
      run_name: options.runName,
      user_id: options.userId,
      start_time: options.startTime ?? Date.now(),
      tags: toKeyValues(options.tags ?? {}),
    });
    const run = toRun(r.run);
    this.artifactUris.set(run.info.runId, run.info.artifactUri);
    return run;
  }

  async getRun(runId: string): Promise<RegistryRun> {
    const r = await this.call<{ run: wire.Run }>('GET', 'runs/get', { run_id: runId });
    const run = toRun(r.run);
    this.artifactUris.set(run.info.runId, run.info.artifactUri);
    return run;
  }

  /** Updates status, end time (ms) and/or name. */
  async updateRun(
    runId: string,
    update: { status?: RegistryRunStatus; endTime?: number; runName?: string },
  ): Promise<RegistryRunInfo> {
    const r = await this.call<{ run_info: wire.RunInfo }>('POST', 'runs/update', {
      run_id: runId,
      status: update.status,
      end_time: update.endTime,
      run_name: update.runName,
    });
    return toRunInfo(r.run_info);
  }

  /** Ends a run now with `status` (default FINISHED). */
  async endRun(runId: string, status: RegistryRunStatus = 'FINISHED'): Promise<RegistryRunInfo> {
    return this.updateRun(runId, { status, endTime: Date.now() });
  }

  async deleteRun(runId: string): Promise<void> {
    await this.call('POST', 'runs/delete', { run_id: runId });
  }

  /** Logs params (values stringified) through log-batch, 100 per request. Re-logging a different value is a 400. */
  async logParams(runId: string, params: Record<string, string | number | boolean>): Promise<void> {
    const list = Object.entries(params).map(([key, value]) => ({ key, value: String(value) }));
    for (const part of chunks(list, 100))
      await this.call('POST', 'runs/log-batch', { run_id: runId, params: part });
  }

  /**
   * Logs metrics through log-batch, 1000 per request. A record logs every key at
   * the same `step` (default 0) and `timestamp` (default now).
   */
  async logMetrics(
    runId: string,
    metrics: Record<string, number> | RegistryMetric[],
    options: { step?: number; timestamp?: number } = {},
  ): Promise<void> {
    const timestamp = options.timestamp ?? Date.now();
    const list = Array.isArray(metrics)
      ? metrics
      : Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp, step: options.step ?? 0 }));
    for (const part of chunks(list.map(toWireMetric), 1000))
      await this.call('POST', 'runs/log-batch', { run_id: runId, metrics: part });
  }

  /** Logs one metric value (one request). */
  async logMetric(
    runId: string,
    key: string,
    value: number,
    options: { step?: number; timestamp?: number } = {},
  ): Promise<void> {
    await this.call('POST', 'runs/log-metric', {
      run_id: runId,
      key,
      value: wire.toWireDouble(value),
      timestamp: options.timestamp ?? Date.now(),
      step: options.step ?? 0,
    });
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.call('POST', 'runs/set-tag', { run_id: runId, key, value });
  }

  /** Sets many tags through log-batch, 100 per request. */
  async setTags(runId: string, tags: Record<string, string>): Promise<void> {
    const list = toKeyValues(tags);
    for (const part of chunks(list, 100))
      await this.call('POST', 'runs/log-batch', { run_id: runId, tags: part });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.call('POST', 'runs/delete-tag', { run_id: runId, key });
  }

  /** Every logged value of one metric, ordered by step then time. */
  async getMetricHistory(runId: string, key: string): Promise<RegistryMetric[]> {
    const out: RegistryMetric[] = [];
    let pageToken: string | undefined;
    do {
      const r = await this.call<{ metrics?: wire.Metric[]; next_page_token?: string }>(
        'GET',
        'metrics/get-history',
        {
          run_id: runId,
          metric_key: key,
          max_results: 25_000,
          page_token: pageToken,
        },
      );
      out.push(...(r.metrics ?? []).map(toMetric));
      pageToken = r.next_page_token;
    } while (pageToken);
    return out;
  }

  /** Runs matching a filter, following pages up to `maxResults` (default 1000). */
  async searchRuns(options: SearchRunsOptions): Promise<RegistryRun[]> {
    const limit = options.maxResults ?? 1000;
    const runs: RegistryRun[] = [];
    let pageToken: string | undefined;
    do {
      const r = await this.call<{ runs?: wire.Run[]; next_page_token?: string }>('POST', 'runs/search', {
        experiment_ids: options.experimentIds,
        filter: options.filter,
        order_by: options.orderBy,
        run_view_type: options.viewType,
        max_results: Math.min(limit - runs.length, 50_000),
        page_token: pageToken,
      });
      runs.push(...(r.runs ?? []).map(toRun));
      pageToken = r.next_page_token;
    } while (pageToken && runs.length < limit);
    return runs;
  }

  // ---- artifacts -------------------------------------------------------------------

  private async artifactUriOf(runId: string): Promise<string> {
    const cached = this.artifactUris.get(runId);
    if (cached) return cached;
    return (await this.getRun(runId)).info.artifactUri;
  }

  /** HTTP URL of `relPath` under an `mlflow-artifacts:` URI (segments percent-encoded). */
  artifactUrl(artifactUri: string, relPath = ''): string {
    const path = joinPath(proxiedPath(artifactUri), relPath);
    const encoded = path.split('/').map(encodeURIComponent).join('/');
    return `${this.baseUrl}/api/2.0/mlflow-artifacts/artifacts/${encoded}`;
  }

  /**
   * Uploads one artifact to `relPath` (e.g. `plots/confusion.png`) under the run's
   * artifact root. Replaces an existing file. Files are streamed from disk.
   */
  async uploadArtifact(runId: string, relPath: string, body: RegistryArtifactBody): Promise<void> {
    const url = this.artifactUrl(await this.artifactUriOf(runId), relPath);
    if (typeof body === 'object' && 'file' in body) {
      const { size } = await stat(body.file);
      await this.send('PUT', url, `upload of ${relPath}`, () => ({
        body: createReadStream(body.file),
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      }));
      return;
    }
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    await this.send('PUT', url, `upload of ${relPath}`, () => ({
      body: bytes as RequestBody,
      headers: { 'content-type': 'application/octet-stream' },
    }));
  }

  /**
   * Where `target` points: a run id plus `relPath`, or a URI
   * (`mlflow-artifacts:/...`, `runs:/<run_id>/<path>`) with an optional `relPath` below it.
   */
  private async resolveArtifact(target: string, relPath: string): Promise<string> {
    if (target.startsWith('mlflow-artifacts:')) return this.artifactUrl(target, relPath);
    const runs = /^runs:\/+([^/]+)\/?(.*)$/.exec(target);
    if (runs)
      return this.artifactUrl(await this.artifactUriOf(runs[1] as string), joinPath(runs[2], relPath));
    return this.artifactUrl(await this.artifactUriOf(target), relPath);
  }

  /** Downloads one artifact into memory. `target` is a run id or an artifact URI (see resolveArtifact). */
  async downloadArtifact(target: string, relPath = ''): Promise<Buffer> {
    const url = await this.resolveArtifact(target, relPath);
    const response = await this.send('GET', url, `download of ${relPath || target}`);
    return Buffer.from(await response.arrayBuffer());
  }

  /** Downloads one artifact to `destination` (written to a temporary name, then renamed). */
  async downloadArtifactToFile(target: string, relPath: string, destination: string): Promise<void> {
    const url = await this.resolveArtifact(target, relPath);
    const response = await this.send('GET', url, `download of ${relPath || target}`);
    if (!response.body)
      throw new RegistryUnavailableError(`download of ${relPath || target} returned no body`);
    const temp = `${destination}.${process.pid}.${Date.now()}.part`;
    try {
      await pipeline(Readable.fromWeb(response.body as never), createWriteStream(temp));
      await rename(temp, destination);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
  }

  /** Files and folders directly under `path` (default the root) of a run's artifacts. */
  async listArtifacts(runId: string, path?: string): Promise<RegistryArtifactFile[]> {
    const r = await this.call<{ files?: wire.FileInfo[] }>('GET', 'artifacts/list', { run_id: runId, path });
    return (r.files ?? []).map(toArtifactFile);
  }

  // ---- model registry --------------------------------------------------------------

  /** Creates a registered model, or returns the existing one of that name (idempotent). */
  async createRegisteredModel(
    name: string,
    options: { description?: string; tags?: Record<string, string> } = {},
  ): Promise<RegisteredModel> {
    try {
      const r = await this.call<{ registered_model: wire.RegisteredModel }>(
        'POST',
        'registered-models/create',
        {
          name,
          description: options.description,
          tags: toKeyValues(options.tags ?? {}),
        },
      );
      return toRegisteredModel(r.registered_model);
    } catch (error) {
      if (error instanceof RegistryClientError && error.errorCode === 'RESOURCE_ALREADY_EXISTS') {
        const existing = await this.getRegisteredModel(name);
        if (existing) return existing;
      }
      throw error;
    }
  }

  /** The registered model called `name`, or undefined. */
  async getRegisteredModel(name: string): Promise<RegisteredModel | undefined> {
    return this.absentAs(['RESOURCE_DOES_NOT_EXIST'], async () => {
      const r = await this.call<{ registered_model: wire.RegisteredModel }>('GET', 'registered-models/get', {
        name,
      });
      return toRegisteredModel(r.registered_model);
    });
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    await this.call('DELETE', 'registered-models/delete', { name });
  }

  /** Registers a new version of `name` whose files are at `source` (e.g. the run's `model` artifact folder URI). */
  async createModelVersion(
    name: string,
    source: string,
    runId?: string,
    tags: Record<string, string> = {},
    description?: string,
  ): Promise<ModelVersion> {
    const r = await this.call<{ model_version: wire.ModelVersion }>('POST', 'model-versions/create', {
      name,
      source,
      run_id: runId,
      description,
      tags: toKeyValues(tags),
    });
    return toModelVersion(r.model_version);
  }

  async getModelVersion(name: string, version: string | number): Promise<ModelVersion> {
    const r = await this.call<{ model_version: wire.ModelVersion }>('GET', 'model-versions/get', {
      name,
      version: String(version),
    });
    return toModelVersion(r.model_version);
  }

  async updateModelVersion(
    name: string,
    version: string | number,
    description: string,
  ): Promise<ModelVersion> {
    const r = await this.call<{ model_version: wire.ModelVersion }>('PATCH', 'model-versions/update', {
      name,
      version: String(version),
      description,
    });
    return toModelVersion(r.model_version);
  }

  async setModelVersionTag(
    name: string,
    version: string | number,
    key: string,
    value: string,
  ): Promise<void> {
    await this.call('POST', 'model-versions/set-tag', { name, version: String(version), key, value });
  }

  async deleteModelVersion(name: string, version: string | number): Promise<void> {
    await this.call('DELETE', 'model-versions/delete', { name, version: String(version) });
  }

  /**
   * Model versions matching an MLflow filter (`name='M'`, `run_id='...'`), or all
   * versions of one model when given `{ name }`. Newest version first per model.
   */
  async searchModelVersions(query: string | { name: string }, maxResults = 10_000): Promise<ModelVersion[]> {
    const filter = typeof query === 'string' ? query : `name='${query.name.replaceAll("'", "''")}'`;
    const out: ModelVersion[] = [];
    let pageToken: string | undefined;
    do {
      const r = await this.call<{ model_versions?: wire.ModelVersion[]; next_page_token?: string }>(
        'GET',
        'model-versions/search',
        { filter, max_results: Math.min(maxResults - out.length, 200_000), page_token: pageToken },
      );
      out.push(...(r.model_versions ?? []).map(toModelVersion));
      pageToken = r.next_page_token;
    } while (pageToken && out.length < maxResults);
    return out;
  }

  /** The URI the version's files can be downloaded from (a `runs:/` source resolved to its run's artifacts). */
  async getModelVersionDownloadUri(name: string, version: string | number): Promise<string> {
    const r = await this.call<{ artifact_uri: string }>('GET', 'model-versions/get-download-uri', {
      name,
      version: String(version),
    });
    return r.artifact_uri;
  }

  /** Points `alias` (e.g. `production`) at `version`, moving it from any other version. */
  async setAlias(name: string, alias: string, version: string | number): Promise<void> {
    await this.call('POST', 'registered-models/alias', { name, alias, version: String(version) });
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.call('DELETE', 'registered-models/alias', { name, alias });
  }

  /**
   * The version `alias` points at, or undefined when the model or the alias does
   * not exist. (MLflow answers an unknown alias with INVALID_PARAMETER_VALUE; the
   * model's alias list tells that case apart from a malformed request.)
   */
  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion | undefined> {
    try {
      const r = await this.call<{ model_version: wire.ModelVersion }>('GET', 'registered-models/alias', {
        name,
        alias,
      });
      return toModelVersion(r.model_version);
    } catch (error) {
      if (!(error instanceof RegistryClientError)) throw error;
      if (error.errorCode === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      if (error.errorCode === 'INVALID_PARAMETER_VALUE') {
        const model = await this.getRegisteredModel(name);
        if (!model || model.aliases[alias] === undefined) return undefined;
      }
      throw error;
    }
  }
}
