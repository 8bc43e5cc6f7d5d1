import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { healthResponseSchema } from '../api-schemas.js';
import { NO_MODEL_MESSAGE } from '../model-source.js';
import { describeModel, type ServingContext } from './replies.js';

/**
 * GET /health: always 200 while the process answers. Reports the served model, the registry's
 * reachability and last error, the last rejected model candidate, and the production log counters
 * (`durableSeq` is the acknowledgement watermark: every row numbered up to it is committed).
 */
export const healthRoutes: FastifyPluginAsyncZod<ServingContext> = async (app, context) => {
  const { modelSource, productionLog } = context;

  app.get(
    '/health',
    {
      schema: {
        summary: 'Service, model, registry and production log status',
        tags: ['operations'],
        response: { 200: healthResponseSchema },
      },
    },
    async () => {
      const model = modelSource.current;
      const log = productionLog?.stats() ?? null;
      return {
        status: 'ok' as const,
        model: describeModel(model),
        ...(model === null ? { modelMessage: NO_MODEL_MESSAGE } : {}),
        lastLoadError: modelSource.lastLoadFailure(),
        lastRefreshAt: modelSource.lastRefresh(),
        refreshIntervalSeconds: context.refreshIntervalSeconds,
        registry: modelSource.registryStatus(),
        productionLog: log
          ? { enabled: true, ...log }
          : {
              enabled: false,
              backend: null,
              path: null,
              url: null,
              appended: 0,
              committed: 0,
              durableSeq: 0,
              queued: 0,
              dropped: 0,
              batches: 0,
              failedFlushes: 0,
              lastFlushAt: null,
              lastError: null,
              flushIntervalMs: null,
            },
        uptimeSeconds: (Date.now() - context.startedAt) / 1000,
      };
    },
  );
};
