import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { config as loadDotenv } from 'dotenv';
import { z } from 'zod';
import { DEFAULT_MODEL_NAME } from './constants.js';
import { isPostgresUrl, postgresUrlProblem, redactUrl } from './database-url.js';
import { ConfigError } from './errors.js';

/**
 * Parses a duration such as `500ms`, `10s`, `5m`, `2h` or a bare number of
 * seconds into milliseconds. Returns undefined when the text is not a duration.
 */
export function parseDurationMs(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
    unit as 'ms' | 's' | 'm' | 'h' | 'd'
  ];
  return value * factor;
}

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();
const nonNegative = z.coerce.number().min(0);
const duration = z.string().transform((text, ctx) => {
  const ms = parseDurationMs(text);
  if (ms === undefined || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: `expected a duration such as 10s, 5m or 1h, got "${text}"` });
    return z.NEVER;
  }
  return ms;
});
const url = z.url();
/** A comma-separated list of web origins (`scheme://host[:port]`), normalised; empty entries are skipped. */
const originList = z
  .string()
  .optional()
  .transform((text, ctx) => {
    const origins: string[] = [];
    for (const entry of (text ?? '')
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e !== '')) {
      let url: URL | undefined;
      try {
        url = new URL(entry);
      } catch {
        url = undefined;
      }
      const bare = url !== undefined && url.pathname === '/' && !url.search && !url.hash && !url.username;
      if (!url || !bare || (url.protocol !== 'http:' && url.protocol !== 'https:') || entry.endsWith('//')) {
        ctx.addIssue({
          code: 'custom',
          message: `expected origins such as https://host:8080, got "${entry}"`,
        });
        return z.NEVER;
      }
      origins.push(url.origin);
    }
    return origins;
  });
/**
 * An artifact root: a folder, or an S3 location `s3://bucket[/prefix]` (the
 * registry checks the prefix's segments and the bucket itself on start).
 */
const artifactRoot = z
  .string()
  .min(1)
  .refine(
    (text) => {
      if (!/^[a-z][a-z0-9+.-]*:/i.test(text) || /^[a-z]:[\\/]/i.test(text)) return true;
      const match = /^s3:\/\/([^/]*)(\/.*)?$/.exec(text);
      return (
        match !== null && /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(match[1]!) && !match[1]!.includes('..')
      );
    },
    {
      message:
        'expected a folder or s3://bucket[/prefix] (bucket: 3-63 lowercase letters, digits, dots and hyphens; no other URL schemes)',
    },
  );
const optionalUrl = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()))
  .pipe(
    z
      .url({ protocol: /^https?$/, message: 'expected an http(s) URL such as http://127.0.0.1:8333' })
      .optional(),
  );
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));
/** An optional PostgreSQL URL; the message never repeats the value (it may hold a password). */
const optionalPostgresUrl = optionalText.superRefine((v, ctx) => {
  if (v === undefined) return;
  const problem = isPostgresUrl(v.trim())
    ? postgresUrlProblem(v.trim())
    : 'expected a URL such as postgresql://user:password@host:5432/database';
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * The one configuration schema. Every variable the code reads is here, with its
 * default; `.env.example` documents the same list.
 */
export const configSchema = z.object({
  DATA_DIR: z.string().min(1).default('data'),
  MODEL_DIR: z.string().min(1).default('models'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  REGISTRY_PORT: port.default(5000),
  REGISTRY_HOST: z.string().min(1).default('0.0.0.0'),
  REGISTRY_URL: url.default('http://localhost:5000'),
  /** A SQLite file, or a PostgreSQL URL (postgresql://user[:password]@host[:port]/database). */
  REGISTRY_DB: z
    .string()
    .min(1)
    .default('mlruns/registry.db')
    .superRefine((value, ctx) => {
      const problem = isPostgresUrl(value) ? postgresUrlProblem(value) : undefined;
      if (problem) ctx.addIssue({ code: 'custom', message: `not a usable PostgreSQL URL: ${problem}` });
    }),
  /** Most PostgreSQL connections one registry process opens (ignored for SQLite). */
  REGISTRY_DB_POOL_SIZE: positiveInt.default(10),
  /** Artifact folder, or `s3://bucket[/prefix]` for an S3-compatible object store shared by replicas. */
  REGISTRY_ARTIFACT_ROOT: artifactRoot.default('mlruns'),
  REGISTRY_TOKEN: optionalText,
  /** Web origins besides the registry's own whose pages may write to it (comma-separated). */
  REGISTRY_ALLOWED_ORIGINS: originList,
  /** Largest JSON request body the registry accepts, in bytes. */
  REGISTRY_BODY_LIMIT: positiveInt.default(1_048_576),
  /** Largest artifact upload the registry accepts, in bytes. */
  REGISTRY_UPLOAD_LIMIT: positiveInt.default(104_857_600),

  /**
   * The S3 client of an `s3://` artifact root, under the AWS SDK's standard names. Credentials left
   * unset fall back to the SDK's other sources (profiles, instance and container roles).
   */
  AWS_ACCESS_KEY_ID: optionalText,
  AWS_SECRET_ACCESS_KEY: optionalText,
  AWS_SESSION_TOKEN: optionalText,
  /** Region of the bucket; with a custom endpoint and no region, us-east-1. */
  AWS_REGION: optionalText,
  /** A custom S3 endpoint (SeaweedFS, MinIO, Ceph...): path-style addressing is used with it. */
  AWS_ENDPOINT_URL_S3: optionalUrl,
  /** The same for every AWS service; AWS_ENDPOINT_URL_S3 wins when both are set. */
  AWS_ENDPOINT_URL: optionalUrl,
  /** MLflow's name for the S3 endpoint, accepted when neither AWS name is set. */
  MLFLOW_S3_ENDPOINT_URL: optionalUrl,

  API_PORT: port.default(8081),
  API_HOST: z.string().min(1).default('0.0.0.0'),
  API_URL: url.default('http://localhost:8081'),
  /** Largest request body the API accepts, in bytes. */
  API_BODY_LIMIT: positiveInt.default(1_048_576),
  /** Largest number of listings in one POST /predict/batch. */
  API_BATCH_LIMIT: positiveInt.default(1000),
  /** Largest number of items in one POST /feedback batch; the body must also fit API_BODY_LIMIT. */
  FEEDBACK_BATCH_LIMIT: positiveInt.default(10_000),
  /** Log every API request at info (two JSON lines each); off by default because it costs throughput. */
  API_REQUEST_LOG: z
    .enum(['true', 'false', '1', '0'], { message: 'expected true or false' })
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  MODEL_NAME: z.string().min(1).default(DEFAULT_MODEL_NAME),
  /**
   * Seconds between the API's checks for a new production version. 5 rather than 30: one small GET
   * per 5 s costs nothing and it bounds the time from promotion to serving.
   */
  MODEL_REFRESH_SECONDS: z.coerce.number().positive().default(5),

  TEMPORAL_ADDRESS: z.string().min(1).default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_UI_PORT: port.default(8233),
  /**
   * A workflow bundle built ahead of time (the worker images build one); unset = the worker
   * bundles its workflow code at start, from source.
   */
  TEMPORAL_WORKFLOW_BUNDLE: optionalText,

  /** Trees in a trained forest. */
  TRAIN_TREES: positiveInt.default(200),
  /** Seed of training (split, bootstrap, feature sampling). */
  TRAIN_SEED: z.coerce.number().int().min(0).default(42),
  /** Largest share of unparseable rows in a raw file before loading fails. */
  MAX_BAD_ROW_FRACTION: z.coerce.number().min(0).max(1).default(0.05),
  /** A new model is promoted when its macro-F1 >= production's macro-F1 minus this. */
  PROMOTION_TOLERANCE: nonNegative.default(0.005),
  /**
   * Score candidate and production on the most recent labelled feedback (the newest 20 % of the
   * labelled rows, held out of training) and decide promotion on it, when at least
   * PERFORMANCE_MIN_LABELS labelled rows exist. The most recent truth is what the model will face.
   */
  PROMOTION_FEEDBACK_WINDOW: z
    .enum(['true', 'false', '1', '0'], { message: 'expected true or false' })
    .default('true')
    .transform((v) => v === 'true' || v === '1'),
  /**
   * Times each labelled feedback row counts in training. Above 1 because feedback is the newest truth:
   * where prices moved (concept drift), it must outvote the older listings it contradicts.
   */
  TRAIN_FEEDBACK_WEIGHT: positiveInt.default(3),

  MONITOR_INTERVAL: duration.default(300_000),
  DRIFT_MIN_ALERTS: positiveInt.default(2),
  DRIFT_PSI_THRESHOLD: z.coerce.number().positive().default(0.25),
  DRIFT_CARDINALITY_THRESHOLD: z.coerce.number().positive().default(1.3),
  DRIFT_PREDICTION_THRESHOLD: z.coerce.number().positive().default(0.15),
  DRIFT_MIN_SAMPLES: positiveInt.default(200),
  /** Production window: a row count (`5000`) or a duration (`24h`); unset = since the production model went live. */
  DRIFT_WINDOW: optionalText,
  /** Realized accuracy this far below the held-out accuracy (with enough labels) is a `performance.realized` alert. */
  PERFORMANCE_REALIZED_DROP: nonNegative.default(0.03),
  /** Estimated accuracy this far below the held-out accuracy is a `performance.estimated` alert. */
  PERFORMANCE_ESTIMATED_DROP: nonNegative.default(0.03),
  /** Labelled rows a window needs before its realized accuracy can alert. */
  PERFORMANCE_MIN_LABELS: positiveInt.default(200),

  /**
   * The production log in PostgreSQL (`postgresql://user:password@host:5432/db`), shared by every
   * API replica and read by the monitor; unset = the SQLite file `<DATA_DIR>/production/predictions.db`.
   */
  PRODUCTION_LOG_URL: optionalPostgresUrl,
});

export type Config = z.infer<typeof configSchema>;

/**
 * Reads the configuration from `env` (default: process.env after loading
 * `.env` from the working folder). Throws ConfigError naming every bad variable.
 */
export function loadConfig(env?: NodeJS.ProcessEnv): Config {
  let source = env;
  if (!source) {
    const dotenvPath = resolve(process.cwd(), '.env');
    if (existsSync(dotenvPath)) loadDotenv({ path: dotenvPath, quiet: true });
    source = process.env;
  }
  // Empty strings mean "unset" for defaulted variables, as in a compose env_file with `VAR=`.
  const cleaned: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = source[key];
    if (value !== undefined && value !== '') cleaned[key] = value;
  }
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '?');
      // A connection URL's password never reaches the terminal or a log collector.
      return `  ${name}=${JSON.stringify(redactUrl(cleaned[name] ?? ''))}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** Names of every variable the configuration reads. */
export const CONFIG_VARIABLES = Object.keys(configSchema.shape) as (keyof Config)[];

/**
 * loadConfig for a process entry point: a bad variable ends the process with
 * exit code 2 and the message naming it on stderr, never a stack trace.
 */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
}
