/**
 * The concept-drift demo: listings arrive in the very mix the model was trained on, but prices have
 * moved (30 % up in the fifteen most listed districts), so no input check can see anything. The
 * sold prices come back as feedback; the monitoring check measures the realized accuracy, its
 * `performance.realized` alert starts retraining on its own, the retraining learns from the labelled
 * feedback, the promotion gate scores both versions on the newest feedback, and the API serves the
 * new version. Last, fresh listings of the same market show the old and the new version side by side.
 */
import { type Config, type PriceCategory } from '@mlops/core';
import { Model, parseBundle } from '@mlops/core/model';
import { deriveSeed } from '@mlops/core/sampling';
import {
  CONCEPT_DRIFT_DISTRICTS,
  CONCEPT_DRIFT_PRICE_FACTOR,
  generateScenarioListings,
} from '@mlops/core/synthetic';
import { RegistryClient } from '@mlops/registry-client';
import { MONITORING_WORKFLOW_TYPE, type MonitoringResult, type TrainingResult } from '@mlops/temporal';
import {
  followRetraining,
  knownListings,
  predictBatches,
  runMonitoringCheck,
  servedModel,
  type KnownListing,
} from './demo-loop.js';
import { withTemporalClient } from './temporal-client.js';

/** Options of runConceptDriftDemo. */
export interface ConceptDriftDemoOptions {
  config: Config;
  /** Narration lines go here. */
  say: (line: string) => void;
  /** Listings sent, and sold (feedback for each). Default 10,000. */
  rows?: number;
  /** Fresh listings the old and the new version are compared on at the end. Default 2,000. */
  evaluationRows?: number;
  /** Seed of the generated listings (the traffic and the fresh listings derive theirs from it). */
  seed?: number;
  /** Give up after this long. Default 5 min. */
  timeoutMs?: number;
}

/** Accuracy of the version served before and of the new one on the same fresh concept-drift listings. */
export interface ConceptDriftEvaluation {
  rows: number;
  /** The previous version's bundle (from the registry) on the fresh listings. */
  previousAccuracy: number;
  /** The API's answers (the new version) on the same listings. */
  servedAccuracy: number;
  servedVersion: string;
}

/** What the demo saw. */
export interface ConceptDriftDemoResult {
  previousVersion: string;
  /** Accuracy of the previous version's answers on the traffic, against the true categories. */
  trafficAccuracy: number;
  alerts: { name: string; value: number; threshold: number }[];
  /** The check's realized accuracy and labelled rows (from its metrics); null without labels. */
  realized: { accuracy: number; labelled: number; heldOut: number | null } | null;
  training: MonitoringResult['training'];
  trainingResult: TrainingResult | null;
  servedVersion: string;
  /** From the first feedback request sent to the API answering with the new version, in seconds. */
  secondsToNewModel: number | null;
  /** Null when no new version was served. */
  evaluation: ConceptDriftEvaluation | null;
}

/** Seed offsets: the traffic and the fresh listings are other listings than the training data's. */
const TRAFFIC_SEED_INDEX = 1;
const EVALUATION_SEED_INDEX = 2;
/** An item of a feedback batch is about 80 bytes of JSON; leave room under API_BODY_LIMIT. */
const FEEDBACK_ITEM_BYTES = 100;

function percent(x: number): string {
  return `${(100 * x).toFixed(1)} %`;
}

function accuracy(truth: readonly PriceCategory[], predicted: readonly PriceCategory[]): number {
  let right = 0;
  truth.forEach((t, i) => (right += t === predicted[i] ? 1 : 0));
  return truth.length === 0 ? 0 : right / truth.length;
}

function conceptListings(rows: number, seed: number): KnownListing[] {
  return knownListings(
    generateScenarioListings({ rows, seed, scenario: 'concept-drift' }),
    'concept-drift listings',
  );
}

/** POSTs the sold prices of the answered listings to /feedback in batches; counts recorded and duplicates. */
async function sendSoldPrices(
  apiUrl: string,
  items: readonly { prediction_id: string; sold_price: number }[],
  batch: number,
): Promise<{ recorded: number; duplicates: number }> {
  const total = { recorded: 0, duplicates: 0 };
  for (let i = 0; i < items.length; i += batch) {
    const response = await fetch(`${apiUrl}/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ feedback: items.slice(i, i + batch) }),
    });
    if (!response.ok) throw new Error(`POST /feedback answered ${response.status}: ${await response.text()}`);
    const answer = (await response.json()) as { recorded: number; duplicates: number };
    total.recorded += answer.recorded;
    total.duplicates += answer.duplicates;
  }
  return total;
}

/** The categories a registered version's bundle gives the listings (as the promotion gate scores it). */
async function versionPredictions(
  config: Config,
  version: string,
  listings: readonly KnownListing[],
): Promise<PriceCategory[]> {
  const registry = new RegistryClient({ baseUrl: config.REGISTRY_URL });
  const registered = await registry.getModelVersion(config.MODEL_NAME, version);
  const text = (await registry.downloadArtifact(registered.source)).toString('utf8');
  const model = Model.fromBundle(parseBundle(JSON.parse(text), `${config.MODEL_NAME} v${version}`));
  return listings.map((known) => model.predict(known.listing).price_category);
}

/** Runs the demo against a running stack (see `pnpm start`). */
export async function runConceptDriftDemo(options: ConceptDriftDemoOptions): Promise<ConceptDriftDemoResult> {
  const { config, say } = options;
  const apiUrl = config.API_URL.replace(/\/$/, '');
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  const rows = options.rows ?? 10_000;
  const seed = options.seed ?? Date.now() % 1_000_000;
  const batchSize = Math.min(1000, config.API_BATCH_LIMIT);

  const model = await servedModel(apiUrl);
  const previousVersion = model.version;
  say(`1. The API serves ${model.name} version ${previousVersion} (${model.alias}).`);

  const traffic = conceptListings(rows, deriveSeed(seed, TRAFFIC_SEED_INDEX));
  const shift = Math.round(100 * (CONCEPT_DRIFT_PRICE_FACTOR - 1));
  say(
    `2. ${traffic.length} new listings arrive in the same mix as the training data (no input drift to see), ` +
      `but prices are ${shift} % higher in the ${CONCEPT_DRIFT_DISTRICTS.length} most listed districts ` +
      `(${CONCEPT_DRIFT_DISTRICTS.slice(0, 3).join(', ')}, ...).`,
  );
  const answered = await predictBatches(
    apiUrl,
    traffic.map((known) => known.listing),
    batchSize,
  );
  const trafficAccuracy = accuracy(
    traffic.map((known) => known.trueCategory),
    answered.predictions.map((p) => p.price_category),
  );
  say(
    `   sent them to ${apiUrl}/predict/batch; version ${[...answered.versions].join(', ')} answered. ` +
      `Against the prices they will sell at it is right on ${percent(trafficAccuracy)} of them, which nobody can see yet.`,
  );

  // Ground truth arrives: each listing's sold price, sent back with the prediction id it was answered with.
  const feedbackBatch = Math.max(
    1,
    Math.min(config.FEEDBACK_BATCH_LIMIT, Math.floor(config.API_BODY_LIMIT / FEEDBACK_ITEM_BYTES)),
  );
  const feedbackStarted = Date.now();
  const sent = await sendSoldPrices(
    apiUrl,
    answered.predictions.map((p, i) => ({ prediction_id: p.prediction_id, sold_price: traffic[i]!.price })),
    feedbackBatch,
  );
  say(
    `3. The sale prices come back: POST /feedback with ${answered.predictions.length} sold prices ` +
      `(${sent.recorded} recorded, ${sent.duplicates} duplicates), each turned into a category with the cut points ` +
      `of the version that answered.`,
  );

  return withTemporalClient(config, async (client) => {
    const workflowId = `concept-demo-check-${Date.now()}`;
    say(
      `4. Monitoring check: starting ${MONITORING_WORKFLOW_TYPE} (${workflowId}) now rather than waiting for the schedule.`,
    );
    const check = await runMonitoringCheck(client, config, workflowId);
    const { alerts, metrics } = check.check;
    const realizedAccuracy = metrics['performance.realized_accuracy'];
    const labelled = metrics['labels.labelled_rows'] ?? 0;
    const heldOut = metrics['performance.held_out_accuracy'] ?? null;
    const realized =
      realizedAccuracy === undefined ? null : { accuracy: realizedAccuracy, labelled, heldOut };
    say(
      `   ${check.check.windowSize} rows served by version ${check.check.modelVersion ?? '?'}, ${labelled} of them labelled; ` +
        (realized
          ? `realized accuracy ${percent(realized.accuracy)}` +
            (heldOut === null ? '' : ` against ${percent(heldOut)} held out at training`) +
            ` (standard error ${Math.sqrt((realized.accuracy * (1 - realized.accuracy)) / Math.max(1, labelled)).toFixed(3)}).`
          : 'no realized accuracy.'),
    );
    say(`   ${alerts.length} alert(s):`);
    for (const alert of alerts)
      say(`     - ${alert.name} = ${alert.value.toFixed(3)} (threshold ${alert.threshold})`);
    const realizedAlert = alerts.some((a) => a.name === 'performance.realized');
    if (realizedAlert && alerts.length === 1)
      say('   no input drift alert: only the feedback shows that the model is wrong now.');
    const base = {
      previousVersion,
      trafficAccuracy,
      alerts,
      realized,
      training: check.training,
      servedVersion: previousVersion,
      secondsToNewModel: null,
      evaluation: null,
    };
    if (check.training === 'not-needed') {
      say(
        `   no performance.realized alert: it needs ${config.PERFORMANCE_MIN_LABELS} labelled rows (PERFORMANCE_MIN_LABELS) ` +
          `and a drop over max(${config.PERFORMANCE_REALIZED_DROP}, ${config.PERFORMANCE_REALIZED_Z} standard errors) ` +
          'from the held-out accuracy; no retraining. (A production version that already learned the new prices, ' +
          'e.g. from an earlier run of this demo, is right again: start from a fresh stack to see the loop.)',
      );
      return { ...base, trainingResult: null };
    }
    const retraining = await followRetraining(client, apiUrl, check, deadline, say, 5);
    if (retraining.servedAt === null || retraining.servedVersion === null)
      return { ...base, trainingResult: retraining.trainingResult };
    const seconds = (retraining.servedAt - feedbackStarted) / 1000;
    const servedVersion = retraining.servedVersion;
    say(
      `7. The API now serves version ${servedVersion}: ${seconds.toFixed(1)} s after the first feedback was sent.`,
    );

    const fresh = conceptListings(options.evaluationRows ?? 2000, deriveSeed(seed, EVALUATION_SEED_INDEX));
    const truth = fresh.map((known) => known.trueCategory);
    const served = await predictBatches(
      apiUrl,
      fresh.map((known) => known.listing),
      batchSize,
    );
    const evaluation: ConceptDriftEvaluation = {
      rows: fresh.length,
      previousAccuracy: accuracy(truth, await versionPredictions(config, previousVersion, fresh)),
      servedAccuracy: accuracy(
        truth,
        served.predictions.map((p) => p.price_category),
      ),
      servedVersion: [...served.versions].join(', '),
    };
    say(
      `8. ${fresh.length} fresh listings of the new market (no feedback sent for them): version ${previousVersion} ` +
        `would be right on ${percent(evaluation.previousAccuracy)}, version ${evaluation.servedVersion} (served) is right on ` +
        `${percent(evaluation.servedAccuracy)} (${evaluation.servedAccuracy >= evaluation.previousAccuracy ? '+' : ''}` +
        `${(100 * (evaluation.servedAccuracy - evaluation.previousAccuracy)).toFixed(1)} points).`,
    );
    return {
      ...base,
      trainingResult: retraining.trainingResult,
      servedVersion,
      secondsToNewModel: seconds,
      evaluation,
    };
  });
}
