import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PRICE_CATEGORIES, type PriceCategory } from '@mlops/core';
import type { ProductionLogStats } from './production-log.js';

/** What the model gauge shows about the model being served. */
export interface ServedModelInfo {
  name: string;
  version: string;
  alias: string;
  source: string;
}

/** Why a request was refused before prediction, as the `reason` label of `api_rejected_requests_total`. */
export type RejectionReason =
  | 'validation'
  | 'body_too_large'
  | 'unsupported_media_type'
  | 'invalid_json'
  | 'batch_too_large'
  | 'no_model'
  | 'unknown_prediction'
  | 'feedback_conflict'
  | 'unconvertible_price'
  | 'feedback_unavailable';

export interface ApiMetricsOptions {
  /** Reads the production log counters at scrape time (nothing is updated per request). */
  productionLogStats?: () => ProductionLogStats | null;
  /** Reads the served model at scrape time. */
  servedModel?: () => ServedModelInfo | null;
  /** Also export Node's process metrics (CPU, memory, event-loop delay, GC). Default true. */
  processMetrics?: boolean;
}

type Child<T> =
  T extends Counter<string>
    ? ReturnType<T['labels']>
    : T extends Histogram<string>
      ? ReturnType<T['labels']>
      : never;

/**
 * The service's Prometheus metrics, in a registry of its own (so several apps in one test process do
 * not collide). The request path only increments pre-bound children; gauges that describe state (model,
 * queue depth) are read when Prometheus scrapes.
 *
 * - `api_requests_total{route,method,status}`
 * - `api_request_duration_seconds{route,method,status}` (histogram, seconds)
 * - `api_predictions_total{class}`: predictions served per price category (batch items count one each)
 * - `api_rejected_requests_total{route,reason}`: requests refused before prediction (400/413/415/503)
 * - `api_model_info{name,version,alias,source}`: 1 for the model being served
 * - `api_model_loaded`: 1 when a model is loaded, else 0
 * - `api_production_log_queue_depth`, `api_production_log_rows_total{state="appended|committed|dropped"}`,
 *   `api_production_log_durable_seq`, `api_production_log_failed_flushes_total`
 * - Node process metrics with the `api_` prefix (unless disabled).
 */
export class ApiMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'route' | 'method' | 'status'>;
  private readonly duration: Histogram<'route' | 'method' | 'status'>;
  private readonly predictions: Counter<'class'>;
  private readonly rejected: Counter<'route' | 'reason'>;
  private readonly requestChildren = new Map<
    string,
    { count: Child<Counter<string>>; time: Child<Histogram<string>> }
  >();
  private readonly predictionChildren: Record<PriceCategory, Child<Counter<string>>>;

  constructor(options: ApiMetricsOptions = {}) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'api_requests_total',
      help: 'HTTP requests answered, by route pattern, method and status code.',
      labelNames: ['route', 'method', 'status'],
      registers,
    });
    this.duration = new Histogram({
      name: 'api_request_duration_seconds',
      help: 'Time from request received to response sent, in seconds.',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.predictions = new Counter({
      name: 'api_predictions_total',
      help: 'Predictions served, by predicted price category.',
      labelNames: ['class'],
      registers,
    });
    this.rejected = new Counter({
      name: 'api_rejected_requests_total',
      help: 'Requests refused before prediction (not written to the production log), by reason.',
      labelNames: ['route', 'reason'],
      registers,
    });
    this.predictionChildren = Object.fromEntries(
      PRICE_CATEGORIES.map((category) => [category, this.predictions.labels(category)]),
    ) as Record<PriceCategory, Child<Counter<string>>>;
    for (const category of PRICE_CATEGORIES) this.predictions.labels(category).inc(0);

    const servedModel = options.servedModel;
    new Gauge({
      name: 'api_model_info',
      help: 'The model being served (value 1), by registered name, version, alias and source.',
      labelNames: ['name', 'version', 'alias', 'source'],
      registers,
      collect() {
        this.reset();
        const model = servedModel?.();
        if (model) this.labels(model.name, model.version, model.alias, model.source).set(1);
      },
    });
    new Gauge({
      name: 'api_model_loaded',
      help: '1 when a model is loaded and /predict can answer, else 0.',
      registers,
      collect() {
        this.set(servedModel?.() ? 1 : 0);
      },
    });

    const logStats = options.productionLogStats;
    new Gauge({
      name: 'api_production_log_queue_depth',
      help: 'Production log rows waiting in memory for their batch commit.',
      registers,
      collect() {
        this.set(logStats?.()?.queued ?? 0);
      },
    });
    new Gauge({
      name: 'api_production_log_durable_seq',
      help: 'Every production log row with a sequence number up to this one is committed (or dropped, see rows_total).',
      registers,
      collect() {
        this.set(logStats?.()?.durableSeq ?? 0);
      },
    });
    // Counters owned by the production log; exposed as gauges-with-total-semantics via collect.
    new Counter({
      name: 'api_production_log_rows_total',
      help: 'Production log rows since start, by state: appended (queued), committed (durable), dropped (queue overflow).',
      labelNames: ['state'],
      registers,
      collect() {
        const stats = logStats?.();
        this.reset();
        this.labels('appended').inc(stats?.appended ?? 0);
        this.labels('committed').inc(stats?.committed ?? 0);
        this.labels('dropped').inc(stats?.dropped ?? 0);
      },
    });
    new Counter({
      name: 'api_production_log_failed_flushes_total',
      help: 'Production log batch commits that failed (rows stayed queued and were retried).',
      registers,
      collect() {
        this.reset();
        this.inc(logStats?.()?.failedFlushes ?? 0);
      },
    });

    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'api_' });
  }

  /** Counts one answered request and its duration in seconds. `route` is the route pattern, not the URL. */
  observeRequest(route: string, method: string, status: number, seconds: number): void {
    const key = `${method} ${route} ${status}`;
    let children = this.requestChildren.get(key);
    if (!children) {
      const labels = [route, method, String(status)];
      children = { count: this.requests.labels(...labels), time: this.duration.labels(...labels) };
      this.requestChildren.set(key, children);
    }
    children.count.inc();
    children.time.observe(seconds);
  }

  /** Counts one served prediction of the given category. */
  countPrediction(category: PriceCategory): void {
    this.predictionChildren[category].inc();
  }

  /** Counts one request refused before prediction. */
  countRejected(route: string, reason: RejectionReason): void {
    this.rejected.labels(route, reason).inc();
  }

  /** The Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
