import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { activityInfo, ApplicationFailure, cancellationSignal, heartbeat } from '@temporalio/activity';
import {
  InvalidDataError,
  MODEL_BUNDLE_FILE,
  MlopsError,
  PRICE_CATEGORIES,
  PRODUCTION_ALIAS,
  REFERENCE_SNAPSHOT_FILE,
  STAGING_ALIAS,
  TRAINING_EXPERIMENT,
  type Config,
  type Logger,
} from '@mlops/core';
import { buildReferenceSnapshot, writeReferenceSnapshot } from '@mlops/core/drift';
import { loadRawListings, type LabelledListing } from '@mlops/core/listing';
import {
  Model,
  classificationMetrics,
  labelIndices,
  parseBundle,
  saveBundle,
  trainModel,
  type ClassificationMetrics,
  type TrainingStage,
} from '@mlops/core/model';
import { stableHoldout } from '@mlops/core/sampling';
import { writeSyntheticListings } from '@mlops/core/synthetic';
import { type RegistryClient } from '@mlops/registry-client';
import type {
  PreprocessResult,
  PromotionDecision,
  RegisterResult,
  TrainingInput,
  TrainResult,
} from '@mlops/temporal';

/** The training workflow's activities; createActivities() builds the real ones. */
export interface TrainingActivities {
  preprocess(input: TrainingInput): Promise<PreprocessResult>;
  train(input: TrainingInput, prepared: PreprocessResult): Promise<TrainResult>;
  register(input: TrainingInput, prepared: PreprocessResult, trained: TrainResult): Promise<RegisterResult>;
  promote(
    prepared: PreprocessResult,
    trained: TrainResult,
    registered: RegisterResult,
  ): Promise<PromotionDecision>;
}

export interface TrainingDependencies {
  config: Config;
  registry: RegistryClient;
  logger: Logger;
}

/** Rows of the synthetic listings written when data/raw/ is empty. */
export const SYNTHETIC_ROWS = 20_000;
/** Share of the listings held out for evaluation and the promotion gate. */
export const TEST_FRACTION = 0.2;

/**
 * Progress heartbeated by the train activity: forest trees finished (the
 * resume point after a retry: they are in the checkpoint), then boosting
 * rounds finished (not checkpointed: a retry fits the boosting again).
 */
interface TrainHeartbeat {
  treesDone: number;
  boostingRoundsDone?: number;
  boostingRounds?: number;
}

/**
 * Domain errors become Temporal failures typed by class name, so the workflow's
 * non-retryable list (InvalidDataError, BundleFormatError, ...) applies to them.
 */
async function typed<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof MlopsError) {
      throw ApplicationFailure.create({ message: error.message, type: error.name, cause: error });
    }
    throw error;
  }
}

function metricsRecord(metrics: ClassificationMetrics, prefix = ''): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(metrics)) {
    if (typeof value === 'number' && Number.isFinite(value)) out[`${prefix}${key}`] = value;
  }
  for (const [label, perClass] of Object.entries(metrics.per_class)) {
    for (const [key, value] of Object.entries(perClass)) {
      if (typeof value === 'number') out[`${prefix}${label}_${key}`] = value;
    }
  }
  return out;
}

/** The workflow run an activity belongs to: ids for folder names and registry tags. */
function workflowRun(): { workflowId: string; runId: string; key: string } {
  const execution = activityInfo().workflowExecution;
  const workflowId = execution?.workflowId ?? 'standalone';
  const runId = execution?.runId ?? 'standalone';
  return { workflowId, runId, key: `${workflowId}-${runId}` };
}

function readListings(path: string): LabelledListing[] {
  return JSON.parse(readFileSync(path, 'utf8')) as LabelledListing[];
}

/** The real training activities: thin calls into core and the registry client. */
export function createActivities(deps: TrainingDependencies): TrainingActivities {
  const { config, registry, logger } = deps;
  const processedRoot = join(config.DATA_DIR, 'processed');

  return {
    preprocess: (input) =>
      typed(async () => {
        const rawDir = join(config.DATA_DIR, 'raw');
        let files: string[];
        if (input.dataPath) {
          if (!existsSync(input.dataPath)) throw new InvalidDataError(`${input.dataPath}: no such file`);
          files = [input.dataPath];
        } else {
          mkdirSync(rawDir, { recursive: true });
          files = readdirSync(rawDir)
            .filter((f) => f.toLowerCase().endsWith('.csv'))
            .sort()
            .map((f) => join(rawDir, f));
          if (files.length === 0) {
            const path = join(rawDir, 'listings.csv');
            logger.info(
              { path, rows: SYNTHETIC_ROWS },
              `${rawDir} has no listings: generating synthetic ones`,
            );
            await writeSyntheticListings(path, {
              rows: SYNTHETIC_ROWS,
              seed: input.seed ?? config.TRAIN_SEED,
            });
            files = [path];
          }
        }
        const hash = createHash('sha256');
        const listings: LabelledListing[] = [];
        let nBadRows = 0;
        for (const file of files) {
          hash.update(readFileSync(file));
          const load = await loadRawListings(file, { maxBadRowFraction: config.MAX_BAD_ROW_FRACTION });
          listings.push(...load.listings);
          nBadRows += load.badRows.length;
          if (load.badRows.length > 0) logger.warn({ file, badRows: load.badRows.length }, 'rows skipped');
        }
        if (listings.length < 50) {
          throw new InvalidDataError(
            `${files.join(', ')}: ${listings.length} usable listings; at least 50 are needed to train`,
          );
        }
        // A content-hash split: listings keep their side as data accumulates, so the gate never
        // scores the production model on listings it was trained on.
        const split = stableHoldout(listings, TEST_FRACTION);
        const train = Array.from(split.train, (i) => listings[i]!);
        const test = Array.from(split.test, (i) => listings[i]!);

        // One folder per workflow run, so that a retry reuses it and runs never mix.
        const processedDir = join(processedRoot, workflowRun().key);
        mkdirSync(processedDir, { recursive: true });
        writeFileSync(join(processedDir, 'train.json'), JSON.stringify(train));
        writeFileSync(join(processedDir, 'test.json'), JSON.stringify(test));
        const referencePath = join(processedDir, REFERENCE_SNAPSHOT_FILE);
        writeReferenceSnapshot(
          referencePath,
          buildReferenceSnapshot(
            train,
            train.map((l) => l.price_category),
          ),
        );
        // The latest reference also goes where `mlops monitor --once` looks by default.
        mkdirSync(join(config.DATA_DIR, 'reference'), { recursive: true });
        copyFileSync(referencePath, join(config.DATA_DIR, 'reference', REFERENCE_SNAPSHOT_FILE));
        const dataFingerprint = hash.digest('hex');
        writeFileSync(
          join(processedDir, 'manifest.json'),
          JSON.stringify(
            { files, nTrain: train.length, nTest: test.length, nBadRows, dataFingerprint },
            null,
            2,
          ),
        );
        return {
          processedDir,
          referencePath,
          nTrain: train.length,
          nTest: test.length,
          nBadRows,
          dataFingerprint,
        };
      }),

    train: (input, prepared) =>
      typed(async () => {
        const info = activityInfo();
        const run = workflowRun();
        const checkpointDir = join(config.MODEL_DIR, 'checkpoints', run.key);
        const lastBeat = (info.heartbeatDetails as TrainHeartbeat | undefined)?.treesDone ?? 0;
        if (lastBeat > 0)
          logger.info({ lastBeat, attempt: info.attempt }, 'retrying training: resuming from its checkpoint');
        // The forest reports its resume point (trees restored from the checkpoint) in its first progress call.
        let resumedTrees: number | undefined;
        const trees = input.trees ?? config.TRAIN_TREES;
        let lastLogged = 0;
        const result = await trainModel(readListings(join(prepared.processedDir, 'train.json')), {
          trees,
          seed: input.seed ?? config.TRAIN_SEED,
          evalListings: readListings(join(prepared.processedDir, 'test.json')),
          checkpointDir,
          signal: cancellationSignal(),
          onProgress: (done: number, total: number, stage: TrainingStage) => {
            if (stage === 'forest') {
              resumedTrees ??= done;
              heartbeat({ treesDone: done } satisfies TrainHeartbeat);
            } else {
              heartbeat({
                treesDone: trees,
                boostingRoundsDone: done,
                boostingRounds: total,
              } satisfies TrainHeartbeat);
            }
            if (done < lastLogged) lastLogged = 0; // the boosting's count starts over
            if (done === 0 || done === total || done - lastLogged >= Math.max(1, Math.floor(total / 5))) {
              lastLogged = done;
              logger.info(`${stage === 'forest' ? 'trees' : 'boosting rounds'} ${done}/${total}`);
            }
          },
          metadata: {
            dataFingerprint: prepared.dataFingerprint,
            workflowRunId: run.runId,
          },
        });
        const bundlePath = join(prepared.processedDir, MODEL_BUNDLE_FILE);
        await saveBundle(bundlePath, result.bundle);
        // The local copy of the last trained model: the API's last fallback.
        mkdirSync(config.MODEL_DIR, { recursive: true });
        copyFileSync(bundlePath, join(config.MODEL_DIR, MODEL_BUNDLE_FILE));
        rmSync(checkpointDir, { recursive: true, force: true });
        logger.info(
          {
            accuracy: result.metrics.accuracy,
            macro_f1: result.metrics.macro_f1,
            fitSeconds: result.fitSeconds,
          },
          'trained',
        );
        return {
          bundlePath,
          metrics: metricsRecord(result.metrics),
          baselineMetrics: result.baselineMetrics ? metricsRecord(result.baselineMetrics) : {},
          fitSeconds: result.fitSeconds,
          resumedTrees: resumedTrees ?? 0,
        };
      }),

    register: (input, prepared, trained) =>
      typed(async () => {
        const { workflowId, runId: workflowRunId } = workflowRun();
        const experiment = await registry.getOrCreateExperiment(TRAINING_EXPERIMENT);
        // A retried attempt finds the run and version its earlier attempt made instead of making new ones.
        const existing = await registry.searchRuns({
          experimentIds: [experiment.experimentId],
          filter: `tags.workflow_run_id = '${workflowRunId}' AND tags.model_type = 'random-forest'`,
          maxResults: 1,
        });
        const run =
          existing[0] ??
          (await registry.createRun({
            experimentId: experiment.experimentId,
            runName: `forest-${new Date().toISOString().slice(0, 19)}`,
            tags: {
              model_type: 'random-forest',
              workflow_id: workflowId,
              workflow_run_id: workflowRunId,
              'trigger.reason': input.trigger.reason,
              'trigger.alerts': JSON.stringify(input.trigger.alerts ?? []),
              ...(input.trigger.monitoringRunId
                ? { 'trigger.monitoring_run_id': input.trigger.monitoringRunId }
                : {}),
              data_fingerprint: prepared.dataFingerprint,
            },
          }));
        const runId = run.info.runId;
        await registry.logParams(runId, {
          trees: input.trees ?? config.TRAIN_TREES,
          seed: input.seed ?? config.TRAIN_SEED,
          n_train: prepared.nTrain,
          n_test: prepared.nTest,
          n_bad_rows: prepared.nBadRows,
          test_fraction: TEST_FRACTION,
        });
        await registry.logMetrics(runId, { ...trained.metrics, fit_seconds: trained.fitSeconds });
        await registry.uploadArtifact(runId, MODEL_BUNDLE_FILE, { file: trained.bundlePath });
        await registry.uploadArtifact(runId, REFERENCE_SNAPSHOT_FILE, { file: prepared.referencePath });
        await registry.uploadArtifact(
          runId,
          'metrics.json',
          JSON.stringify({ forest: trained.metrics, baseline: trained.baselineMetrics }, null, 2),
        );
        await registry.endRun(runId, 'FINISHED');

        if (Object.keys(trained.baselineMetrics).length > 0) {
          // The baseline gets a run of its own, as the old pipeline logged it.
          const baseline = await registry.searchRuns({
            experimentIds: [experiment.experimentId],
            filter: `tags.workflow_run_id = '${workflowRunId}' AND tags.model_type = 'logistic-regression'`,
            maxResults: 1,
          });
          if (baseline.length === 0) {
            const baselineRun = await registry.createRun({
              experimentId: experiment.experimentId,
              runName: `baseline-${new Date().toISOString().slice(0, 19)}`,
              tags: {
                model_type: 'logistic-regression',
                workflow_run_id: workflowRunId,
                forest_run_id: runId,
              },
            });
            await registry.logMetrics(baselineRun.info.runId, trained.baselineMetrics);
            await registry.endRun(baselineRun.info.runId, 'FINISHED');
          }
        }

        const modelName = config.MODEL_NAME;
        await registry.createRegisteredModel(modelName, {
          description: 'Price category (low / medium / high) of an Istanbul apartment listing',
        });
        const versions = await registry.searchModelVersions({ name: modelName });
        const version =
          versions.find((v) => v.runId === runId) ??
          (await registry.createModelVersion(
            modelName,
            `${run.info.artifactUri}/${MODEL_BUNDLE_FILE}`,
            runId,
            {
              macro_f1: String(trained.metrics.macro_f1),
              'trigger.reason': input.trigger.reason,
            },
          ));
        await registry.setAlias(modelName, STAGING_ALIAS, version.version);
        logger.info(
          { runId, version: version.version },
          `registered ${modelName} version ${version.version} (staging)`,
        );
        return { experimentId: experiment.experimentId, runId, modelName, version: version.version };
      }),

    promote: (prepared, trained, registered) =>
      typed(async () => {
        const tolerance = config.PROMOTION_TOLERANCE;
        const candidate = trained.metrics.macro_f1!;
        const production = await registry.getModelVersionByAlias(registered.modelName, PRODUCTION_ALIAS);
        let productionMacroF1: number | null = null;
        let reason: string;
        let promoted: boolean;
        if (!production) {
          promoted = true;
          reason = 'no production version yet';
        } else if (production.version === registered.version) {
          promoted = true;
          productionMacroF1 = candidate;
          reason = 'this version is already in production';
        } else {
          // Score the production model on the same held-out listings as the candidate.
          const bytes = await registry.downloadArtifact(production.source);
          const model = Model.fromBundle(
            parseBundle(JSON.parse(bytes.toString('utf8')), `${registered.modelName} v${production.version}`),
          );
          const test = readListings(join(prepared.processedDir, 'test.json'));
          productionMacroF1 = classificationMetrics(
            labelIndices(test),
            model.predictProbaBatch(test),
            PRICE_CATEGORIES,
          ).macro_f1;
          promoted = candidate >= productionMacroF1 - tolerance;
          reason = promoted
            ? `macro-F1 ${candidate.toFixed(4)} >= production ${productionMacroF1.toFixed(4)} - ${tolerance}`
            : `macro-F1 ${candidate.toFixed(4)} < production ${productionMacroF1.toFixed(4)} - ${tolerance}`;
        }
        const decision: PromotionDecision = {
          promoted,
          candidateMacroF1: candidate,
          productionMacroF1,
          productionVersion: production?.version ?? null,
          tolerance,
          reason,
        };
        await registry.setTags(registered.runId, {
          'promotion.decision': promoted ? 'promoted' : 'rejected',
          'promotion.reason': reason,
          'promotion.candidate_macro_f1': String(candidate),
          'promotion.production_macro_f1': productionMacroF1 === null ? '' : String(productionMacroF1),
          'promotion.production_version': production?.version ?? '',
          'promotion.tolerance': String(tolerance),
        });
        if (promoted) await registry.setAlias(registered.modelName, PRODUCTION_ALIAS, registered.version);
        logger.info(
          decision,
          promoted
            ? `version ${registered.version} promoted to production`
            : `version ${registered.version} kept in staging`,
        );
        return decision;
      }),
  };
}
