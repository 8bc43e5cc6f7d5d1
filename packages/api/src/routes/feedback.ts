import type { FastifyReply, FastifyRequest } from 'fastify';
import { validatorCompiler, type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import {
  feedbackBatchSchema,
  feedbackErrorResponseSchema,
  feedbackItemSchema,
  feedbackRequestSchema,
  feedbackResponseSchema,
} from '../api-schemas.js';
import { errorBody } from '../error-handler.js';
import type { FeedbackItem, FeedbackOutcome } from '../feedback-store.js';
import type { RejectionReason } from '../metrics.js';
import type { ServingContext } from './replies.js';

/** Longest wait for queued production log rows before ids not found are reported unknown. */
const QUEUED_ROWS_WAIT_MS = 5000;
/** Ids spelled out in an error message; `prediction_ids` lists them all. */
const IDS_IN_MESSAGE = 10;

type FeedbackItemBody = z.infer<typeof feedbackItemSchema>;
type FeedbackBody = FeedbackItemBody | { feedback: FeedbackItemBody[] };

/**
 * POST /feedback: the ground truth of served predictions, one item or `{ "feedback": [...] }`.
 *
 * A batch is all or nothing: any invalid item (400), unknown prediction id (404), sold price the
 * answering model cannot convert (422) or value different from feedback already stored (409) refuses
 * the whole batch and writes nothing. The same feedback again is accepted and counted as a duplicate.
 */
export const feedbackRoutes: FastifyPluginAsyncZod<ServingContext> = async (app, context) => {
  const { feedbackBatchLimit: limit, metrics } = context;
  const single = feedbackItemSchema;
  const batch = feedbackBatchSchema(limit);

  app.post(
    '/feedback',
    {
      schema: {
        summary: 'Record the true category or sold price of served predictions',
        description:
          'One item `{ prediction_id, true_category }` or `{ prediction_id, sold_price }`, or a batch ' +
          `\`{ "feedback": [...] }\` of at most ${limit} items (FEEDBACK_BATCH_LIMIT). A sold price becomes a ` +
          'category with the cut points of the model version that answered. All or nothing; idempotent ' +
          'per prediction_id (the same value again is a duplicate, another value is a 409).',
        tags: ['prediction'],
        body: feedbackRequestSchema(limit),
        response: {
          200: feedbackResponseSchema,
          400: feedbackErrorResponseSchema,
          404: feedbackErrorResponseSchema,
          409: feedbackErrorResponseSchema,
          413: feedbackErrorResponseSchema,
          415: feedbackErrorResponseSchema,
          422: feedbackErrorResponseSchema,
          503: feedbackErrorResponseSchema,
        },
      },
      // A union's errors say only "invalid input": validate against the one shape the body claims to be.
      validatorCompiler: (route) => {
        const validateItem = validatorCompiler({ ...route, schema: single });
        const validateBatch = validatorCompiler({ ...route, schema: batch });
        return (data: unknown) =>
          data !== null && typeof data === 'object' && !Array.isArray(data) && 'feedback' in data
            ? validateBatch(data)
            : validateItem(data);
      },
      // Refuse an over-long batch before validating every item of it.
      preValidation: async (request, reply) => {
        const body = request.body as { feedback?: unknown } | null;
        if (body && Array.isArray(body.feedback) && body.feedback.length > limit) {
          metrics.countRejected('/feedback', 'batch_too_large');
          return reply
            .code(413)
            .send(
              errorBody(
                413,
                `a feedback batch holds at most ${limit} items (FEEDBACK_BATCH_LIMIT), got ${body.feedback.length}`,
              ),
            );
        }
      },
    },
    async (request, reply) => {
      const store = context.feedbackStore;
      if (store === null) {
        return refuse(request, reply, context, 503, 'feedback_unavailable', {
          message: 'feedback is not recorded: the production log is disabled, so no prediction can be found',
        });
      }
      const body = request.body as FeedbackBody;
      const items = ('feedback' in body ? body.feedback : [body]).map(toItem);
      const receivedTs = Date.now();
      let outcome = await store.record(items, receivedTs);
      const log = context.productionLog;
      if (outcome.kind === 'unknown' && log !== null && log.stats().queued > 0) {
        // A prediction answered a moment ago may still be queued: commit what was appended so far, look again.
        await Promise.race([
          log.flushThrough(),
          new Promise<void>((resolve) => setTimeout(resolve, QUEUED_ROWS_WAIT_MS).unref()),
        ]);
        outcome = await store.record(items, receivedTs);
      }
      return answer(request, reply, context, outcome, items.length);
    },
  );
};

function toItem(body: FeedbackItemBody): FeedbackItem {
  return body.true_category !== undefined
    ? { predictionId: body.prediction_id, trueCategory: body.true_category }
    : { predictionId: body.prediction_id, soldPrice: body.sold_price as number };
}

function answer(
  request: FastifyRequest,
  reply: FastifyReply,
  context: ServingContext,
  outcome: FeedbackOutcome,
  received: number,
) {
  switch (outcome.kind) {
    case 'recorded':
      return { received, recorded: outcome.recorded, duplicates: outcome.duplicates };
    case 'unknown': {
      const ids = outcome.predictionIds;
      const queued = context.productionLog?.stats().queued ?? 0;
      return refuse(request, reply, context, 404, 'unknown_prediction', {
        message:
          `${count(ids.length, 'unknown prediction id')}: ${listIds(ids)}; nothing was recorded. ` +
          (queued > 0
            ? `The production log still has ${queued} row(s) queued (its disk may be failing); retry later.`
            : 'Ids come from /predict answers of this deployment.'),
        ids,
      });
    }
    case 'conflict': {
      const ids = [...new Set(outcome.conflicts.map((c) => c.predictionId))];
      const first = outcome.conflicts[0]!;
      return refuse(request, reply, context, 409, 'feedback_conflict', {
        message:
          `${count(ids.length, 'prediction id')} already ${ids.length === 1 ? 'has' : 'have'} other feedback: ` +
          `${listIds(ids)} (e.g. ${first.predictionId}: stored ${describe(first.stored)}, sent ${describe(first.sent)}); ` +
          'nothing was recorded',
        ids,
      });
    }
    case 'unconvertible': {
      const ids = outcome.items.map((item) => item.predictionId);
      const first = outcome.items[0]!;
      return refuse(request, reply, context, 422, 'unconvertible_price', {
        message:
          `feedback[${first.index}].sold_price: model version ${first.modelVersion} recorded no price cut points, ` +
          `so a sold price cannot be turned into its category; send true_category instead ` +
          `(${count(ids.length, 'item')} affected); nothing was recorded`,
        ids,
      });
    }
  }
}

function refuse(
  request: FastifyRequest,
  reply: FastifyReply,
  context: ServingContext,
  status: number,
  reason: RejectionReason,
  details: { message: string; ids?: string[] },
) {
  context.metrics.countRejected(request.routeOptions.url ?? '/feedback', reason);
  const body: ReturnType<typeof errorBody> & { prediction_ids?: string[] } = errorBody(
    status,
    details.message,
  );
  if (details.ids) body.prediction_ids = details.ids;
  return reply.code(status).send(body);
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function listIds(ids: readonly string[]): string {
  const shown = ids.slice(0, IDS_IN_MESSAGE).join(', ');
  return ids.length > IDS_IN_MESSAGE ? `${shown} and ${ids.length - IDS_IN_MESSAGE} more` : shown;
}

function describe(value: { trueCategory: string; soldPrice: number | null }): string {
  return value.soldPrice === null ? value.trueCategory : `${value.trueCategory} (sold at ${value.soldPrice})`;
}
