import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { createLogger, type Config, type Logger } from '@mlops/core';
import { installErrorHandling } from './error-handler.js';
import { ApiMetrics } from './metrics.js';
import { createModelSource } from './model-loading.js';
import type { ModelSource } from './model-source.js';
import type { ProductionLog } from './production-log.js';
import { openProductionLog } from './production-log-open.js';
import type { FeedbackStore } from './feedback-store.js';
import { openFeedbackStore } from './feedback-store-open.js';
import { batchRoutes } from './routes/batch.js';
import { feedbackRoutes } from './routes/feedback.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { predictRoutes } from './routes/predict.js';
import { readyRoutes } from './routes/ready.js';
import { DEFAULT_REQUEST_TIMEOUTS, requestTimeoutOptions, type RequestTimeouts } from './request-timeouts.js';
import type { ServingContext } from './routes/replies.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The model source, production log and metrics behind the routes. */
    serving: ServingContext;
  }
}

/** The app type: Fastify with the zod type provider. */
export type ApiApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface BuildAppOptions {
  config: Config;
  /** Service logger; default: a pino logger named `api` at LOG_LEVEL. */
  logger?: Logger;
  /**
   * The model source. Default: one built from the config (registry at REGISTRY_URL, local bundle
   * `<MODEL_DIR>/model.bundle.json`), owned by the app: it starts polling when the app is ready and
   * stops when the app closes. An injected source is neither started nor stopped by the app.
   */
  modelSource?: ModelSource;
  /**
   * The production log. Default (undefined): the PostgreSQL table at PRODUCTION_LOG_URL when it is set,
   * else `<DATA_DIR>/production/predictions.db`; owned by the app and flushed and closed when the app closes. null: no production log. An injected log is not closed.
   */
  productionLog?: ProductionLog | null;
  /**
   * Where POST /feedback writes. Default (undefined): beside the production log, owned by the app and
   * closed with it: the feedback tables in its SQLite file, or in the PostgreSQL database at
   * PRODUCTION_LOG_URL (own pool) when the log is there; null (or no production log): feedback answers 503.
   */
  feedbackStore?: FeedbackStore | null;
  /** Production log batch window in milliseconds, for the default log (default 20). */
  productionLogFlushMs?: number;
  /** Metrics; default: a fresh registry with process metrics. */
  metrics?: ApiMetrics;
  /**
   * Log every request at info (Fastify's "incoming request" / "request completed" lines). Default:
   * API_REQUEST_LOG (false), because two JSON lines per request cost a measurable share of throughput
   * (see the API readme); errors and 5xx answers are logged regardless.
   */
  requestLogging?: boolean;
  /** Limits on slow or stalled clients, over DEFAULT_REQUEST_TIMEOUTS (headers 10 s, request 30 s). */
  timeouts?: Partial<RequestTimeouts>;
}

/**
 * Builds the prediction service without listening: routes, validation, OpenAPI and docs, metrics,
 * error handling, and the lifecycle of the resources it owns. Test it with `app.inject`.
 */
export async function buildApp(options: BuildAppOptions): Promise<ApiApp> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ name: 'api', level: config.LOG_LEVEL });
  const ownsSource = options.modelSource === undefined;
  const modelSource = options.modelSource ?? createModelSource(config, logger);
  const ownsLog = options.productionLog === undefined;
  const productionLog =
    options.productionLog === undefined
      ? await openProductionLog({
          dataDir: config.DATA_DIR,
          url: config.PRODUCTION_LOG_URL,
          flushIntervalMs: options.productionLogFlushMs,
          logger,
        })
      : options.productionLog;
  const ownsFeedback = options.feedbackStore === undefined;
  let feedbackStore: FeedbackStore | null;
  try {
    feedbackStore =
      options.feedbackStore === undefined
        ? await openFeedbackStore({ productionLog, url: config.PRODUCTION_LOG_URL, logger })
        : options.feedbackStore;
  } catch (error) {
    // Nothing else holds the log yet: a start that fails here must not leave its pool or file open.
    if (ownsLog) await productionLog?.close();
    throw error;
  }
  const metrics =
    options.metrics ??
    new ApiMetrics({
      productionLogStats: () => productionLog?.stats() ?? null,
      servedModel: () => modelSource.current,
    });
  const serving: ServingContext = {
    modelSource,
    productionLog,
    metrics,
    batchLimit: config.API_BATCH_LIMIT,
    refreshIntervalSeconds: config.MODEL_REFRESH_SECONDS,
    startedAt: Date.now(),
    feedbackStore,
    feedbackBatchLimit: config.FEEDBACK_BATCH_LIMIT,
    notedModel: null,
  };

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: new LogController({
      disableRequestLogging: !(options.requestLogging ?? config.API_REQUEST_LOG),
    }),
    bodyLimit: config.API_BODY_LIMIT,
    ...requestTimeoutOptions({ ...DEFAULT_REQUEST_TIMEOUTS, ...options.timeouts }),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON only: a text/plain body would otherwise reach validation as a string and get a 400, not a 415.
  app.removeContentTypeParser('text/plain');
  app.decorate('serving', serving);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Housing price prediction API',
        description:
          'Classifies an Istanbul apartment listing into a price category (low / medium / high) with the ' +
          'model the registry marks as production.',
        version: '1.0.0',
      },
      tags: [
        { name: 'prediction', description: 'Price category predictions' },
        { name: 'operations', description: 'Health, readiness and metrics' },
      ],
    },
    transform: jsonSchemaTransform,
  });
  // Swagger UI's assets come from the installed package; the page needs no network.
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  installErrorHandling(app, metrics, config.API_BODY_LIMIT);
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(
      request.routeOptions.url ?? 'unmatched',
      request.method,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });

  await app.register(predictRoutes, serving);
  await app.register(batchRoutes, serving);
  await app.register(feedbackRoutes, serving);
  await app.register(healthRoutes, serving);
  await app.register(readyRoutes, serving);
  await app.register(metricsRoutes, serving);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  if (ownsSource) {
    app.addHook('onReady', async () => {
      // Not awaited: the server listens (and /ready says 503) while the first model loads.
      modelSource
        .start()
        .catch((error: unknown) => logger.error({ err: error }, 'model source failed to start'));
    });
  }
  app.addHook('onClose', async () => {
    if (ownsSource) modelSource.stop();
    if (ownsLog) await productionLog?.close();
    if (ownsFeedback) await feedbackStore?.close();
  });
  return app;
}
