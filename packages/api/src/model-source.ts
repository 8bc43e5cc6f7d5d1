import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { PRODUCTION_ALIAS, STAGING_ALIAS, type Logger } from '@mlops/core';
import { verifyPredictor, type BundleReader, type Predictor } from './predictor.js';

/** Where a served model came from: a registry alias, or the local bundle file. */
export type ModelOrigin = typeof PRODUCTION_ALIAS | typeof STAGING_ALIAS | 'local';

/** A loaded, verified model and what it is. Immutable: a swap replaces the whole object. */
export interface LoadedModel {
  readonly name: string;
  /** Registry version number, or `local-<first 12 hex of the bundle's SHA-256>` for the local file. */
  readonly version: string;
  readonly alias: ModelOrigin;
  /** The bundle's origin: the registry version's source URI, or the local file path. */
  readonly source: string;
  /** ISO time the model started serving. */
  readonly loadedAt: string;
  readonly predictor: Predictor;
}

/** A registry model version as the source needs it. */
export interface AliasedVersion {
  version: string;
  /** Where the bundle file is (an `mlflow-artifacts:/…/model.bundle.json` URI). */
  source: string;
}

/**
 * The two registry calls the model source makes. Implemented over the RegistryClient in
 * `model-loading.ts`; tests may implement it directly.
 */
export interface RegistryModelLookup {
  /** Registry base URL, shown in /health. */
  readonly url: string;
  /**
   * The version an alias points at, or null when the model or the alias does not exist.
   * Throws when the registry cannot be reached or answers with a server error.
   */
  versionByAlias(modelName: string, alias: string): Promise<AliasedVersion | null>;
  /** The bundle file's text at a version's source URI. */
  downloadBundle(source: string): Promise<string>;
}

export interface ModelSourceOptions {
  /** Registered model name (MODEL_NAME). */
  modelName: string;
  /** The registry; null or absent = local bundle only. */
  registry?: RegistryModelLookup | null;
  /** The local bundle file (`<MODEL_DIR>/model.bundle.json`), the last resort. */
  localBundlePath?: string | null;
  /** Parses bundle text into a predictor (core's parseBundle + Model). */
  readBundle: BundleReader;
  /** Poll period in milliseconds (MODEL_REFRESH_SECONDS * 1000). */
  refreshIntervalMs: number;
  /** Longest wait for one registry call, in milliseconds (default 10,000). */
  registryTimeoutMs?: number;
  logger?: Logger;
  /** Called after each swap, with the new and the previous model. */
  onSwap?: (next: LoadedModel, previous: LoadedModel | null) => void;
}

/** Registry reachability as /health reports it. */
export interface RegistryStatus {
  url: string | null;
  /** `ok`, `unreachable` (last call failed), `not_configured`, or `unknown` before the first poll. */
  status: 'ok' | 'unreachable' | 'not_configured' | 'unknown';
  lastCheckAt: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  consecutiveFailures: number;
}

/** The last candidate that failed to download, parse or verify. */
export interface LoadFailure {
  alias: ModelOrigin;
  version: string | null;
  source: string;
  message: string;
  at: string;
}

/** What one refresh did. */
export type RefreshOutcome = 'swapped' | 'unchanged' | 'kept_last_good' | 'no_model';

/** The answer /predict gives while no model is loaded. */
export const NO_MODEL_MESSAGE =
  'no model loaded: run `pnpm mlops train --data data/raw/listings.csv` (writes models/model.bundle.json; ' +
  'make a data file first with `pnpm mlops data generate --rows 20000 --out data/raw/listings.csv` if you have none) ' +
  'or start the whole stack with `pnpm start`, which trains and registers a first model';

interface Candidate {
  alias: ModelOrigin;
  /** Identity used to tell whether the candidate is what is already served (or already failed). */
  fingerprint: string;
  version: string | null;
  source: string;
  fetch: () => Promise<string>;
}

/**
 * Finds, loads, verifies and hot-swaps the model the API serves.
 *
 * Precedence: the registry's `production` alias, then `staging`, then the local bundle file. Every
 * `refreshIntervalMs` the chain is walked again; a different version is downloaded, parsed and
 * verified beside the serving one, then published with one reference assignment (`current`), so a
 * request that already read `current` finishes on the old model and the next one sees the new model
 * whole. A candidate that fails to load is remembered and not retried until its fingerprint changes;
 * the last good model keeps serving. When the registry is unreachable, a registry model keeps serving
 * and only a process with no model at all falls back to the local file.
 */
export class ModelSource {
  private served: LoadedModel | null = null;
  private servedFingerprint: string | null = null;
  private readonly failed = new Map<string, LoadFailure>();
  private lastFailure: LoadFailure | null = null;
  private registryState: RegistryStatus;
  private lastRefreshAt: string | null = null;
  private inFlight: Promise<RefreshOutcome> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly registryTimeoutMs: number;

  constructor(private readonly options: ModelSourceOptions) {
    this.registryTimeoutMs = options.registryTimeoutMs ?? 10_000;
    this.registryState = {
      url: options.registry?.url ?? null,
      status: options.registry ? 'unknown' : 'not_configured',
      lastCheckAt: null,
      lastSuccessAt: null,
      lastError: null,
      consecutiveFailures: 0,
    };
  }

  /** The model serving now, or null. Read it once per request: that read is the request's snapshot. */
  get current(): LoadedModel | null {
    return this.served;
  }

  /** Refreshes once, then keeps polling every `refreshIntervalMs` until `stop()`. */
  async start(): Promise<RefreshOutcome> {
    this.stopped = false;
    const outcome = await this.refresh();
    this.scheduleNext();
    return outcome;
  }

  /** Stops polling; a refresh in progress finishes but schedules nothing. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Walks the fallback chain once. Concurrent calls share one walk. */
  refresh(): Promise<RefreshOutcome> {
    this.inFlight ??= this.walkChain().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** The registry's reachability, for /health. */
  registryStatus(): RegistryStatus {
    return { ...this.registryState };
  }

  /** The last load failure (download, parse or verification), for /health. */
  lastLoadFailure(): LoadFailure | null {
    return this.lastFailure;
  }

  /** ISO time of the last completed refresh. */
  lastRefresh(): string | null {
    return this.lastRefreshAt;
  }

  private scheduleNext(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.refresh()
        .catch((error: unknown) =>
          this.options.logger?.error({ err: error }, 'model refresh failed unexpectedly'),
        )
        .finally(() => this.scheduleNext());
    }, this.options.refreshIntervalMs);
    // Polling alone must not keep a process alive (tests, CLI commands).
    this.timer.unref();
  }

  private async walkChain(): Promise<RefreshOutcome> {
    try {
      const candidates = await this.candidates();
      for (const candidate of candidates) {
        if (candidate.fingerprint === this.servedFingerprint && this.served) {
          if (this.served.alias !== candidate.alias) {
            // Same bundle under another alias (staging promoted to production): relabel, no reload.
            this.publish({ ...this.served, alias: candidate.alias }, candidate.fingerprint);
            return 'swapped';
          }
          return 'unchanged';
        }
        if (this.failed.has(candidate.fingerprint)) {
          if (this.served) return 'kept_last_good';
          continue;
        }
        const loaded = await this.load(candidate);
        if (loaded) {
          this.publish(loaded, candidate.fingerprint);
          return 'swapped';
        }
        if (this.served) return 'kept_last_good';
      }
      return this.served ? 'kept_last_good' : 'no_model';
    } finally {
      this.lastRefreshAt = new Date().toISOString();
    }
  }

  /** The chain in precedence order, without the links that do not exist right now. */
  private async candidates(): Promise<Candidate[]> {
    const list: Candidate[] = [];
    const registry = this.options.registry;
    let registryReachable = registry === undefined || registry === null;
    if (registry) {
      try {
        for (const alias of [PRODUCTION_ALIAS, STAGING_ALIAS] as const) {
          const found = await withTimeout(
            registry.versionByAlias(this.options.modelName, alias),
            this.registryTimeoutMs,
            `registry lookup of alias ${alias}`,
          );
          if (found) list.push(this.registryCandidate(registry, alias, found));
        }
        this.markRegistry(null);
        registryReachable = true;
      } catch (error) {
        this.markRegistry(error);
        list.length = 0;
      }
    }
    // With the registry down, a registry model keeps serving: the local file is older news.
    const localAllowed = registryReachable || !this.served || this.served.alias === 'local';
    const local = localAllowed ? await this.localCandidate() : null;
    if (local) list.push(local);
    return list;
  }

  private registryCandidate(
    registry: RegistryModelLookup,
    alias: ModelOrigin,
    found: AliasedVersion,
  ): Candidate {
    return {
      alias,
      fingerprint: `registry:${found.version}:${found.source}`,
      version: found.version,
      source: found.source,
      fetch: () =>
        withTimeout(registry.downloadBundle(found.source), this.registryTimeoutMs * 6, 'bundle download'),
    };
  }

  private async localCandidate(): Promise<Candidate | null> {
    const path = this.options.localBundlePath;
    if (!path) return null;
    try {
      const info = await stat(path);
      if (!info.isFile()) return null;
      return {
        alias: 'local',
        fingerprint: `local:${path}:${info.size}:${info.mtimeMs}`,
        version: null,
        source: path,
        fetch: () => readFile(path, 'utf8'),
      };
    } catch {
      return null;
    }
  }

  /** Downloads, parses and verifies one candidate; returns null (and remembers why) when it fails. */
  private async load(candidate: Candidate): Promise<LoadedModel | null> {
    const logger = this.options.logger;
    try {
      const text = await candidate.fetch();
      const predictor = this.options.readBundle(text, candidate.source);
      verifyPredictor(predictor);
      const version =
        candidate.version ?? `local-${createHash('sha256').update(text).digest('hex').slice(0, 12)}`;
      return {
        name: this.options.modelName,
        version,
        alias: candidate.alias,
        source: candidate.source,
        loadedAt: new Date().toISOString(),
        predictor,
      };
    } catch (error) {
      const failure: LoadFailure = {
        alias: candidate.alias,
        version: candidate.version,
        source: candidate.source,
        message: error instanceof Error ? error.message : String(error),
        at: new Date().toISOString(),
      };
      // A download that failed because the registry went away is worth retrying; a bad bundle is not.
      if (!isTransientError(error)) this.failed.set(candidate.fingerprint, failure);
      this.lastFailure = failure;
      logger?.error(
        { alias: candidate.alias, version: candidate.version, source: candidate.source, err: error },
        'model candidate rejected; keeping the current model',
      );
      return null;
    }
  }

  private publish(next: LoadedModel, fingerprint: string): void {
    const previous = this.served;
    // The swap: one reference assignment. Requests holding `previous` finish with it.
    this.served = next;
    this.servedFingerprint = fingerprint;
    this.options.logger?.info(
      {
        model: { name: next.name, version: next.version, alias: next.alias, source: next.source },
        previous: previous ? { version: previous.version, alias: previous.alias } : null,
      },
      'model now serving',
    );
    this.options.onSwap?.(next, previous);
  }

  private markRegistry(error: unknown): void {
    const now = new Date().toISOString();
    const state = this.registryState;
    state.lastCheckAt = now;
    if (error === null) {
      if (state.status === 'unreachable')
        this.options.logger?.info({ url: state.url }, 'registry reachable again');
      state.status = 'ok';
      state.lastSuccessAt = now;
      state.consecutiveFailures = 0;
      return;
    }
    state.lastError = error instanceof Error ? error.message : String(error);
    state.consecutiveFailures += 1;
    if (state.status !== 'unreachable') {
      this.options.logger?.warn(
        // An outage is expected operation, not a bug: the message, without a stack trace.
        { url: state.url, error: state.lastError, serving: this.served?.version ?? null },
        'registry unreachable; keeping the current model',
      );
    }
    state.status = 'unreachable';
  }
}

/**
 * Connection failures, timeouts, 5xx answers and a missing artifact (a version registered before its
 * bundle finished uploading): worth retrying at the next poll. A bundle that fails to parse or verify
 * is not.
 */
function isTransientError(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e.name === 'RegistryUnavailableError') return true;
    const status =
      (e as { status?: unknown; statusCode?: unknown }).status ?? (e as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number' && (status >= 500 || status === 404 || status === 408 || status === 429)) {
      return true;
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|UND_ERR_)/.test(code))
      return true;
    if (e.name === 'TimeoutError' || e.name === 'AbortError' || e.message.includes('timed out')) return true;
    if (e.message === 'fetch failed') return true;
  }
  return false;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
