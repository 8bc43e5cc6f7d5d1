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

const modelFields = {
  model_name: z.string().describe('Registered model name.'),
  model_version: z.string().describe('Registry version, or local-<hash> for the local bundle file.'),
  model_alias: z.enum(['production', 'staging', 'local']).describe('Where the served model came from.'),
};

/** POST /predict body: the shared listing schema (with an example for the docs page). */
export const predictRequestSchema = listingSchema.meta({ example: EXAMPLE_LISTING });

/** POST /predict answer: the old contract's `price_category`, plus probabilities and the model that answered. */
export const predictResponseSchema = z.object({
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
    z.object({ price_category: z.enum(PRICE_CATEGORIES), probabilities: probabilitiesSchema }),
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
