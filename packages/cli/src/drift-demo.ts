/**
 * The drift demo: sends drifted listings to the API, triggers a drift check,
 * and follows the loop as it happens - alerts, the training workflow, the
 * promotion gate, the new production version, the API serving it.
 */
import { join } from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { type Config } from '@mlops/core';
import {
  NUMERIC_FIELDS,
  TEXT_FIELDS,
  RAW_COLUMNS,
  formatRawListingsCsv,
  parseRawListingsCsv,
  writeRawListingsCsv,
  type LabelledListing,
  type Listing,
} from '@mlops/core/listing';
import { generateRawListings, type SyntheticDrift } from '@mlops/core/synthetic';
import {
  MONITORING_TASK_QUEUE,
  MONITORING_WORKFLOW_TYPE,
  TRAINING_WORKFLOW_ID,
  type MonitoringResult,
  type TrainingResult,
} from '@mlops/temporal';
import { withTemporalClient } from './temporal-client.js';

export interface DriftDemoOptions {
  config: Config;
  /** Narration lines go here. */
  say: (line: string) => void;
  /** Listings per scenario. Default 400. */
  rowsPerScenario?: number;
  /** Scenarios mixed into the traffic. Default district-shift + unseen-addresses (two alerts). */
  scenarios?: SyntheticDrift[];
  seed?: number;
  /** Give up after this long. Default 5 min. */
  timeoutMs?: number;
}

export interface DriftDemoResult {
  previousVersion: string;
  alerts: { name: string; value: number; threshold: number }[];
  training: MonitoringResult['training'];
  trainingResult: TrainingResult | null;
  servedVersion: string;
  /** From the last drifted request acknowledged to the API answering with the new version, in seconds. */
  secondsToNewModel: number | null;
}

interface Health {
  model: { name: string; version: string; alias: string } | null;
}

async function apiHealth(apiUrl: string): Promise<Health> {
  const response = await fetch(`${apiUrl}/health`);
  if (!response.ok) throw new Error(`GET ${apiUrl}/health answered ${response.status}`);
  return (await response.json()) as Health;
}

/** The API form of a parsed listing, or null when a numeric field is missing (the API requires them). */
function toListing(record: LabelledListing): Listing | null {
  const listing: Record<string, unknown> = {};
  for (const field of NUMERIC_FIELDS) {
    if (record[field] === null) return null;
    listing[field] = record[field];
  }
  for (const field of TEXT_FIELDS) listing[field] = record[field] ?? '';
  return listing as Listing;
}

/** Runs the demo against a running stack (see `pnpm start`). */
export async function runDriftDemo(options: DriftDemoOptions): Promise<DriftDemoResult> {
  const { config, say } = options;
  const apiUrl = config.API_URL.replace(/\/$/, '');
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  const scenarios = options.scenarios ?? ['district-shift', 'unseen-addresses'];
  const rows = options.rowsPerScenario ?? 400;
  const seed = options.seed ?? Date.now() % 1_000_000;

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
  const previousVersion = health.model.version;
  say(`1. The API serves ${health.model.name} version ${previousVersion} (${health.model.alias}).`);

  // New listings arrive: drifted traffic for the API, and (with their prices) new raw data for retraining.
  const raw = scenarios.flatMap((drift, i) => generateRawListings({ rows, seed: seed + i, drift }));
  const listings = parseRawListingsCsv(formatRawListingsCsv(raw, RAW_COLUMNS), { file: 'drifted traffic' })
    .listings.map(toListing)
    .filter((l): l is Listing => l !== null);
  const arrivals = join(
    config.DATA_DIR,
    'raw',
    `arrivals-${new Date().toISOString().replace(/[:.]/g, '-')}.csv`,
  );
  await writeRawListingsCsv(arrivals, raw, RAW_COLUMNS);
  say(
    `2. ${listings.length} new listings arrive (${scenarios.join(' + ')}); their labelled copy goes to ${arrivals}.`,
  );

  for (let i = 0; i < listings.length; i += 200) {
    const chunk = listings.slice(i, i + 200);
    const response = await fetch(`${apiUrl}/predict/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chunk),
    });
    if (!response.ok)
      throw new Error(`POST /predict/batch answered ${response.status}: ${await response.text()}`);
  }
  const trafficDone = Date.now();
  say(`   sent them to ${apiUrl}/predict/batch; every prediction is in the production log.`);
  // The log is written off the request path; give its flush a moment before the check reads it.
  await new Promise((r) => setTimeout(r, 1500));

  return withTemporalClient(config, async (client) => {
    const workflowId = `drift-demo-check-${Date.now()}`;
    say(
      `3. Drift check: starting ${MONITORING_WORKFLOW_TYPE} (${workflowId}) now rather than waiting for the schedule.`,
    );
    const check = (await client.workflow.execute(MONITORING_WORKFLOW_TYPE, {
      workflowId,
      taskQueue: MONITORING_TASK_QUEUE,
      args: [{ manual: true, minAlerts: config.DRIFT_MIN_ALERTS }],
    })) as MonitoringResult;
    const alerts = check.check.alerts;
    say(
      `   ${check.check.windowSize} rows checked, status ${check.check.status}, ${alerts.length} alert(s):`,
    );
    for (const alert of alerts)
      say(`     - ${alert.name} = ${alert.value.toFixed(3)} (threshold ${alert.threshold})`);

    if (check.training === 'not-needed') {
      say(`   fewer than ${config.DRIFT_MIN_ALERTS} alerts: no retraining.`);
      return {
        previousVersion,
        alerts,
        training: check.training,
        trainingResult: null,
        servedVersion: previousVersion,
        secondsToNewModel: null,
      };
    }
    say(
      check.training === 'started'
        ? `4. Retraining: the check started the ${TRAINING_WORKFLOW_ID} workflow.`
        : `4. Retraining: a ${TRAINING_WORKFLOW_ID} workflow was already running (started by the schedule); following it.`,
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
    say(
      `5. Gate: version ${trainingResult.version} scored macro-F1 ${d.candidateMacroF1.toFixed(4)} against production ` +
        `${d.productionMacroF1 === null ? '(none)' : `${d.productionMacroF1.toFixed(4)} (version ${d.productionVersion})`} ` +
        `on the same held-out listings: ${d.promoted ? 'promoted to production' : `kept in staging (${d.reason})`}.`,
    );
    if (!d.promoted) {
      return {
        previousVersion,
        alerts,
        training: check.training,
        trainingResult,
        servedVersion: previousVersion,
        secondsToNewModel: null,
      };
    }

    for (;;) {
      const now = await apiHealth(apiUrl);
      if (now.model?.version === trainingResult.version) {
        const seconds = (Date.now() - trafficDone) / 1000;
        say(
          `6. The API now serves version ${trainingResult.version}: ${seconds.toFixed(1)} s after the drifted traffic.`,
        );
        return {
          previousVersion,
          alerts,
          training: check.training,
          trainingResult,
          servedVersion: trainingResult.version,
          secondsToNewModel: seconds,
        };
      }
      if (Date.now() > deadline)
        throw new Error(`The API did not switch to version ${trainingResult.version} in time`);
      await new Promise((r) => setTimeout(r, 250));
    }
  });
}
