/**
 * The drift demo: sends drifted listings to the API, triggers a drift check,
 * and follows the loop as it happens - alerts, the training workflow, the
 * promotion gate, the new production version, the API serving it.
 */
import { join } from 'node:path';
import { type Config } from '@mlops/core';
import { RAW_COLUMNS, writeRawListingsCsv } from '@mlops/core/listing';
import { generateRawListings, type SyntheticDrift } from '@mlops/core/synthetic';
import { MONITORING_WORKFLOW_TYPE, type MonitoringResult, type TrainingResult } from '@mlops/temporal';
import {
  followRetraining,
  knownListings,
  predictBatches,
  runMonitoringCheck,
  servedModel,
} from './demo-loop.js';
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

/** Runs the demo against a running stack (see `pnpm start`). */
export async function runDriftDemo(options: DriftDemoOptions): Promise<DriftDemoResult> {
  const { config, say } = options;
  const apiUrl = config.API_URL.replace(/\/$/, '');
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  const scenarios = options.scenarios ?? ['district-shift', 'unseen-addresses'];
  const rows = options.rowsPerScenario ?? 400;
  const seed = options.seed ?? Date.now() % 1_000_000;

  const model = await servedModel(apiUrl);
  const previousVersion = model.version;
  say(`1. The API serves ${model.name} version ${previousVersion} (${model.alias}).`);

  // New listings arrive: drifted traffic for the API, and (with their prices) new raw data for retraining.
  const raw = scenarios.flatMap((drift, i) => generateRawListings({ rows, seed: seed + i, drift }));
  const listings = knownListings(raw, 'drifted traffic').map((known) => known.listing);
  const arrivals = join(
    config.DATA_DIR,
    'raw',
    `arrivals-${new Date().toISOString().replace(/[:.]/g, '-')}.csv`,
  );
  await writeRawListingsCsv(arrivals, raw, RAW_COLUMNS);
  say(
    `2. ${listings.length} new listings arrive (${scenarios.join(' + ')}); their labelled copy goes to ${arrivals}.`,
  );

  await predictBatches(apiUrl, listings);
  const trafficDone = Date.now();
  say(`   sent them to ${apiUrl}/predict/batch; every prediction is in the production log.`);
  // The log is written off the request path; give its flush a moment before the check reads it.
  await new Promise((r) => setTimeout(r, 1500));

  return withTemporalClient(config, async (client) => {
    const workflowId = `drift-demo-check-${Date.now()}`;
    say(
      `3. Drift check: starting ${MONITORING_WORKFLOW_TYPE} (${workflowId}) now rather than waiting for the schedule.`,
    );
    const check = await runMonitoringCheck(client, config, workflowId);
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
    const retraining = await followRetraining(client, apiUrl, check, deadline, say, 4);
    const result = {
      previousVersion,
      alerts,
      training: check.training,
      trainingResult: retraining.trainingResult,
      servedVersion: retraining.servedVersion ?? previousVersion,
      secondsToNewModel: null,
    };
    if (retraining.servedAt === null) return result;
    const seconds = (retraining.servedAt - trafficDone) / 1000;
    say(
      `6. The API now serves version ${retraining.servedVersion}: ${seconds.toFixed(1)} s after the drifted traffic.`,
    );
    return { ...result, secondsToNewModel: seconds };
  });
}
