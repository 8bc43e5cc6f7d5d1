/**
 * The steps both demos share on a running stack: reach the API, turn generated raw listings into
 * API bodies, send traffic, start a monitoring check now rather than on the schedule, and follow the
 * training it started through the promotion gate until the API serves the new version.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { type Config, type PriceCategory } from '@mlops/core';
import {
  NUMERIC_FIELDS,
  TEXT_FIELDS,
  RAW_COLUMNS,
  formatRawListingsCsv,
  parseRawListingsCsv,
  type LabelledListing,
  type Listing,
  type RawListingRow,
} from '@mlops/core/listing';
import {
  MONITORING_TASK_QUEUE,
  MONITORING_WORKFLOW_TYPE,
  TRAINING_WORKFLOW_ID,
  type MonitoringResult,
  type TrainingResult,
} from '@mlops/temporal';

/** What the API says about the model it serves. */
export interface Health {
  model: { name: string; version: string; alias: string } | null;
}

/** GET /health of the API. */
export async function apiHealth(apiUrl: string): Promise<Health> {
  const response = await fetch(`${apiUrl}/health`);
  if (!response.ok) throw new Error(`GET ${apiUrl}/health answered ${response.status}`);
  return (await response.json()) as Health;
}

/**
 * The served model of a running stack.
 * @throws Error naming API_URL when the API is not reachable, or saying to wait when it has no model
 */
export async function servedModel(apiUrl: string): Promise<NonNullable<Health['model']>> {
  let health: Health;
  try {
    health = await apiHealth(apiUrl);
  } catch (error) {
    throw new Error(
      `The API is not reachable at ${apiUrl} (API_URL): start the stack first with \`pnpm start\`. (${(error as Error).message})`,
    );
  }
  if (!health.model)
    throw new Error('The API has no model yet: wait for `pnpm start` to say the stack is up.');
  return health.model;
}

/** The API form of a parsed listing, or null when a numeric field is missing (the API requires them). */
export function toListing(record: LabelledListing): Listing | null {
  const listing: Record<string, unknown> = {};
  for (const field of NUMERIC_FIELDS) {
    if (record[field] === null) return null;
    listing[field] = record[field];
  }
  for (const field of TEXT_FIELDS) listing[field] = record[field] ?? '';
  return listing as Listing;
}

/** A generated listing as the API gets it, with what the demo knows and the model does not. */
export interface KnownListing {
  listing: Listing;
  /** The asking price (TL): in the demo, the price it sells at. */
  price: number;
  trueCategory: PriceCategory;
}

/** Raw generated rows parsed as the training data is, keeping those the API accepts. */
export function knownListings(raw: readonly RawListingRow[], origin: string): KnownListing[] {
  return parseRawListingsCsv(formatRawListingsCsv(raw, RAW_COLUMNS), { file: origin }).listings.flatMap(
    (record) => {
      const listing = toListing(record);
      return listing === null || record.price === null
        ? []
        : [{ listing, price: record.price, trueCategory: record.price_category }];
    },
  );
}

/** One answer of POST /predict/batch. */
export interface BatchPrediction {
  prediction_id: string;
  price_category: PriceCategory;
  probabilities: Record<PriceCategory, number>;
}

/** Sends `listings` to POST /predict/batch in chunks of `chunk`; the answers in order, with the version(s) that gave them. */
export async function predictBatches(
  apiUrl: string,
  listings: readonly Listing[],
  chunk = 200,
): Promise<{ predictions: BatchPrediction[]; versions: Set<string> }> {
  const predictions: BatchPrediction[] = [];
  const versions = new Set<string>();
  for (let i = 0; i < listings.length; i += chunk) {
    const response = await fetch(`${apiUrl}/predict/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(listings.slice(i, i + chunk)),
    });
    if (!response.ok)
      throw new Error(`POST /predict/batch answered ${response.status}: ${await response.text()}`);
    const answer = (await response.json()) as { model_version: string; predictions: BatchPrediction[] };
    versions.add(answer.model_version);
    predictions.push(...answer.predictions);
  }
  return { predictions, versions };
}

/** Starts the monitoring workflow now (as the schedule would) and waits for its check. */
export async function runMonitoringCheck(
  client: Client,
  config: Config,
  workflowId: string,
): Promise<MonitoringResult> {
  return (await client.workflow.execute(MONITORING_WORKFLOW_TYPE, {
    workflowId,
    taskQueue: MONITORING_TASK_QUEUE,
    args: [{ manual: true, minAlerts: config.DRIFT_MIN_ALERTS }],
  })) as MonitoringResult;
}

/** The training workflow's outcome and, when it was promoted, when the API started serving it. */
export interface RetrainingOutcome {
  trainingResult: TrainingResult;
  /** The new version, once the API answers with it; null when the gate kept it in staging. */
  servedVersion: string | null;
  /** Date.now() when the API was first seen serving the new version. */
  servedAt: number | null;
}

/**
 * Follows the `training-pipeline` workflow the check started (or found running), narrates the gate
 * and, when the new version is promoted, polls /health until the API serves it.
 * @throws Error when the workflow is gone, or the API does not switch before `deadline`
 */
export async function followRetraining(
  client: Client,
  apiUrl: string,
  check: MonitoringResult,
  deadline: number,
  say: (line: string) => void,
  step: number,
): Promise<RetrainingOutcome> {
  say(
    check.training === 'started'
      ? `${step}. Retraining: the check started the ${TRAINING_WORKFLOW_ID} workflow.`
      : `${step}. Retraining: a ${TRAINING_WORKFLOW_ID} workflow was already running (started by the schedule); following it.`,
  );
  let trainingResult: TrainingResult;
  try {
    trainingResult = (await client.workflow.getHandle(TRAINING_WORKFLOW_ID).result()) as TrainingResult;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError)
      throw new Error(`The ${TRAINING_WORKFLOW_ID} workflow was not found`);
    throw error;
  }
  const d = trainingResult.decision;
  const scoredOn = /on (the \d+ most recent labelled feedback rows)$/.exec(d.reason)?.[1];
  say(
    `${step + 1}. Gate: version ${trainingResult.version} scored macro-F1 ${d.candidateMacroF1.toFixed(4)} against production ` +
      `${d.productionMacroF1 === null ? '(none)' : `${d.productionMacroF1.toFixed(4)} (version ${d.productionVersion})`} ` +
      `on ${scoredOn ?? 'the same held-out listings'}: ${d.promoted ? 'promoted to production' : `kept in staging (${d.reason})`}.`,
  );
  if (!d.promoted) return { trainingResult, servedVersion: null, servedAt: null };
  for (;;) {
    const now = await apiHealth(apiUrl);
    if (now.model?.version === trainingResult.version)
      return { trainingResult, servedVersion: trainingResult.version, servedAt: Date.now() };
    if (Date.now() > deadline)
      throw new Error(`The API did not switch to version ${trainingResult.version} in time`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
