import { z } from 'zod';
import { PRICE_CATEGORIES } from '@mlops/core';
import { EXAMPLE_LISTING, listingSchema } from '@mlops/core/listing';

/**
 * The API's request and response schemas, written once in zod: Fastify validates and serializes with
 * them (fastify-type-provider-zod) and the OpenAPI document is generated from them.
 */

const probability = z.number().min(0).max(1);

export const probabilitiesSchema = z
  .object({ low: probability, medium: probability, high: probability })
  .describe('Class probabilities; they sum to 1.');

/** The id of one answered listing; POST /feedback refers to it. */
export const predictionIdSchema = z
  .uuid()
  .describe('Id of this prediction (a UUID); send it back with the true category to POST /feedback.');

const modelFields = {
  model_name: z.string().describe('Registered model name.'),
  model_version: z.string().describe('Registry version, or local-<hash> for the local bundle file.'),
  model_alias: z.enum(['production', 'staging', 'local']).describe('Where the served model came from.'),
};

/** POST /predict body: the shared listing schema (with an example for the docs page). */
export const predictRequestSchema = listingSchema.meta({ example: EXAMPLE_LISTING });

/** POST /predict answer: the old contract's `price_category`, plus probabilities and the model that answered. */
export const predictResponseSchema = z.object({
  prediction_id: predictionIdSchema,
  price_category: z.enum(PRICE_CATEGORIES),
  probabilities: probabilitiesSchema,
  ...modelFields,
});

/** POST /predict/batch body: listings, at most `limit` of them. */
export function batchRequestSchema(limit: number) {
  return z.array(listingSchema).min(1).max(limit).describe(`One to ${limit} listings (API_BATCH_LIMIT).`);
}

/** POST /predict/batch answer: one prediction per listing, in request order, all from the same model. */
export const batchResponseSchema = z.object({
  ...modelFields,
  predictions: z.array(
    z.object({
      prediction_id: predictionIdSchema,
      price_category: z.enum(PRICE_CATEGORIES),
      probabilities: probabilitiesSchema,
    }),
  ),
});

/** One wrong field of a rejected body. */
export const fieldIssueSchema = z.object({
  field: z
    .string()
    .describe(
      'Field path: `GrossSquareMeters`, `[3].district` for a batch item, `(body)` for the whole body.',
    ),
  message: z.string(),
});

/** Every error answer. `issues` lists each wrong field on a 400 validation failure. */
export const errorResponseSchema = z.object({
  statusCode: z.number().int(),
  error: z.string(),
  message: z.string(),
  issues: z
    .array(fieldIssueSchema)
    .optional()
    .describe('The first 100 wrong fields; `message` gives the total and spells out the first 10.'),
});

const servedModelSchema = z.object({
  name: z.string(),
  version: z.string(),
  alias: z.string(),
  source: z.string(),
  loadedAt: z.string(),
});

const registrySchema = z.object({
  url: z.string().nullable(),
  status: z.enum(['ok', 'unreachable', 'not_configured', 'unknown']),
  lastCheckAt: z.string().nullable(),
  lastSuccessAt: z.string().nullable(),
  lastError: z.string().nullable(),
  consecutiveFailures: z.number().int(),
});

const productionLogSchema = z.object({
  enabled: z.boolean(),
  backend: z
    .enum(['sqlite', 'postgresql'])
    .nullable()
    .describe('Where rows are committed; null when disabled.'),
  path: z.string().nullable().describe('The SQLite file; null for PostgreSQL.'),
  url: z.string().nullable().describe('The PostgreSQL URL, password masked; null for SQLite.'),
  appended: z.number().int(),
  committed: z.number().int(),
  durableSeq: z.number().int(),
  queued: z.number().int(),
  dropped: z.number().int(),
  batches: z.number().int(),
  failedFlushes: z.number().int(),
  lastFlushAt: z.string().nullable(),
  lastError: z.string().nullable(),
  flushIntervalMs: z.number().nullable(),
});

/** GET /health answer. `status` is `ok` whenever the process answers; `model` is null until one is loaded. */
export const healthResponseSchema = z.object({
  status: z.literal('ok'),
  model: servedModelSchema.nullable(),
  modelMessage: z.string().optional().describe('How to get a model, when none is loaded.'),
  lastLoadError: z
    .object({
      alias: z.string(),
      version: z.string().nullable(),
      source: z.string(),
      message: z.string(),
      at: z.string(),
    })
    .nullable(),
  lastRefreshAt: z.string().nullable(),
  refreshIntervalSeconds: z.number(),
  registry: registrySchema,
  productionLog: productionLogSchema,
  uptimeSeconds: z.number(),
});

/** GET /ready answer. */
export const readyResponseSchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  message: z.string().optional(),
  model: servedModelSchema.nullable(),
});

/** An error answer of POST /feedback that is about particular predictions (unknown, conflicting). */
export const feedbackErrorResponseSchema = errorResponseSchema.extend({
  prediction_ids: z
    .array(z.string())
    .optional()
    .describe('Every prediction id the error is about (404: unknown ids; 409: ids with other feedback).'),
});

const feedbackPredictionId = z.uuid({
  error: (issue) =>
    issue.input === undefined
      ? 'is required'
      : `must be the prediction_id (a UUID) of a /predict answer, got ${describeValue(issue.input)}`,
});

/**
 * One piece of feedback: the prediction it is about and its ground truth, either the true category or
 * the price the listing sold at (turned into a category with the cut points of the model that answered).
 */
export const feedbackItemSchema = z
  .strictObject(
    {
      prediction_id: feedbackPredictionId,
      true_category: z
        .enum(PRICE_CATEGORIES, {
          error: (issue) =>
            `must be one of ${PRICE_CATEGORIES.join(', ')}, got ${describeValue(issue.input)}`,
        })
        .optional()
        .describe('The true price category.'),
      sold_price: z
        .number({ error: (issue) => `must be a number, got ${describeValue(issue.input)}` })
        .positive({ message: 'must be > 0' })
        .max(1e12, { message: 'must be <= 1e12' })
        .optional()
        .describe(
          'The price (TL) the listing sold at; converted with the answering model version’s cut points.',
        ),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown field(s) ${issue.keys.join(', ')}`
          : 'must be an object',
    },
  )
  .superRefine((item, context) => {
    const given = Number(item.true_category !== undefined) + Number(item.sold_price !== undefined);
    if (given !== 1) {
      context.addIssue({
        code: 'custom',
        path: [given === 0 ? 'true_category' : 'sold_price'],
        message:
          given === 0
            ? 'is required: give true_category or sold_price'
            : 'give either true_category or sold_price, not both',
      });
    }
  })
  .meta({ example: { prediction_id: '3b241101-e2bb-4255-8caf-4136c566a962', true_category: 'medium' } });

/** POST /feedback batch body: `{ "feedback": [item, ...] }`, at most `limit` items. */
export function feedbackBatchSchema(limit: number) {
  return z.strictObject({
    feedback: z
      .array(feedbackItemSchema)
      .min(1, { message: 'must hold at least one item' })
      .max(limit, { message: `must hold at most ${limit} items (FEEDBACK_BATCH_LIMIT)` })
      .describe(`One to ${limit} items (FEEDBACK_BATCH_LIMIT).`),
  });
}

/** POST /feedback body as the OpenAPI document shows it: one item, or a batch. */
export function feedbackRequestSchema(limit: number) {
  return z.union([feedbackItemSchema, feedbackBatchSchema(limit)]);
}

/** POST /feedback answer: what was written. */
export const feedbackResponseSchema = z.object({
  received: z.number().int().describe('Items in the request.'),
  recorded: z.number().int().describe('Items stored now.'),
  duplicates: z
    .number()
    .int()
    .describe('Items whose prediction already had this same feedback (accepted, nothing written).'),
});

/** A wrong value named briefly (never the whole value: bodies are untrusted). */
function describeValue(input: unknown): string {
  if (typeof input === 'string')
    return JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}...` : input);
  if (input === null) return 'null';
  if (input === undefined) return 'nothing';
  if (Array.isArray(input)) return 'an array';
  if (typeof input === 'object') return 'an object';
  return String(input);
}
