/**
 * `mlops train --data CSV [--eval CSV] [--out FILE] [--trees N] [--seed S] [--json]`:
 * trains locally (no servers): loads the raw CSV, holds out about 20 % by
 * content hash unless --eval is given (core's holdoutSplit, the same hold-out
 * as the training workflow's), fits pipeline + forest + boosting + memory and
 * the baseline (core's trainModel), writes the model bundle and prints the
 * metrics. It also writes the reference snapshot of the rows the model was fitted
 * on to <DATA_DIR>/reference/reference.json, where `mlops monitor --once` reads
 * it (as the training workflow does), with the model's performance profile on
 * the evaluation rows (held-out scores, calibration, calibration error). A
 * progress bar goes to stderr when it is a terminal; with --json stdout holds
 * exactly one JSON object.
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { loadConfig, MODEL_BUNDLE_FILE, REFERENCE_SNAPSHOT_FILE, type Config } from '@mlops/core';
import { buildReferenceSnapshot, writeReferenceSnapshot } from '@mlops/core/drift';
import { labelPriceThresholds, loadRawListings, type RawListingsLoad } from '@mlops/core/listing';
import { DEFAULT_HOLDOUT_FRACTION, saveBundle, trainModel } from '@mlops/core/model';
import { profileModel } from '@mlops/core/performance';
import { TRAINING_WORKFLOW_ID } from '@mlops/temporal';
import { runRemoteTraining, type RemoteTrainingOptions } from '../remote-training.js';
import { processIo, writeJson, type CommandIo } from '../command-io.js';
import { formatMetrics, metricsJson } from '../metrics-report.js';
import { integerAtLeast, openFraction } from '../option-parsers.js';
import { createTrainingProgress } from '../training-progress.js';

interface TrainFlags {
  data?: string;
  remote?: boolean;
  eval?: string;
  out?: string;
  trees?: number;
  seed?: number;
  holdout: number;
  threads?: number;
  checkpointDir?: string;
  checkpoints: boolean;
  json?: boolean;
}

/** How many bad rows of a file to describe on stderr before summarising the rest. */
const BAD_ROWS_SHOWN = 5;

export function trainCommand(io: CommandIo = processIo): Command {
  return new Command('train')
    .description('train a model locally and write its bundle')
    .option('--data <csv>', 'labelled listings in the raw portal CSV form (required without --remote)')
    .option(
      '--remote',
      'start the training workflow on the running stack and follow it (data: DATA_DIR/raw/)',
    )
    .option('--eval <csv>', 'evaluate on this file instead of the hold-out')
    .option('--out <file>', `model bundle to write (default: <MODEL_DIR>/${MODEL_BUNDLE_FILE})`)
    .option('--trees <n>', 'trees in the forest (default: TRAIN_TREES, 200)', integerAtLeast(1))
    .option('--seed <s>', 'seed of pipeline and forest (default: TRAIN_SEED, 42)', integerAtLeast(0))
    .option(
      '--holdout <fraction>',
      'share held out (by content hash) when there is no --eval',
      openFraction,
      DEFAULT_HOLDOUT_FRACTION,
    )
    .option('--threads <n>', 'threads growing trees (default: all cores)', integerAtLeast(1))
    .option(
      '--checkpoint-dir <dir>',
      'forest checkpoints, resumed after a crash (default: <MODEL_DIR>/checkpoints)',
    )
    .option('--no-checkpoints', 'do not write forest checkpoints')
    .option('--json', 'print one JSON object with the metrics instead of a table')
    .action(async (flags: TrainFlags, command: Command) => {
      const config = loadConfig();
      if (flags.remote) {
        await trainRemotely(config, flags, io);
        return;
      }
      if (flags.data === undefined)
        command.error("error: required option '--data <csv>' not specified", { exitCode: 2 });
      const out = flags.out ?? join(config.MODEL_DIR, MODEL_BUNDLE_FILE);
      const loadOptions = { maxBadRowFraction: config.MAX_BAD_ROW_FRACTION };
      const data = await loadRawListings(flags.data!, loadOptions);
      reportLoad(io, data);
      const evalData = flags.eval ? await loadRawListings(flags.eval, loadOptions) : undefined;
      if (evalData) reportLoad(io, evalData);

      const abort = new AbortController();
      const onSignal = () =>
        abort.abort(new Error('training interrupted (SIGINT); the last checkpoint is kept'));
      process.once('SIGINT', onSignal);
      const progress = createTrainingProgress(io);
      const trees = flags.trees ?? config.TRAIN_TREES;
      const seed = flags.seed ?? config.TRAIN_SEED;
      const priceThresholds = labelPriceThresholds(data.listings);
      let result;
      try {
        result = await trainModel(data.listings, {
          trees,
          seed,
          holdout: flags.holdout,
          ...(evalData ? { evalListings: evalData.listings } : {}),
          ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
          ...(flags.checkpoints
            ? { checkpointDir: flags.checkpointDir ?? join(config.MODEL_DIR, 'checkpoints') }
            : {}),
          onProgress: (done, total, stage) =>
            progress.update(done, total, stage === 'forest' ? 'trees' : 'boosting rounds'),
          signal: abort.signal,
          metadata: {
            data: flags.data,
            ...(flags.eval ? { eval: flags.eval } : {}),
            ...(priceThresholds ? { priceThresholds } : {}),
          },
        });
      } finally {
        progress.stop();
        process.off('SIGINT', onSignal);
      }
      await saveBundle(out, result.bundle);
      // The drift reference: what `mlops monitor --once` compares production traffic against.
      const referencePath = join(config.DATA_DIR, 'reference', REFERENCE_SNAPSHOT_FILE);
      // Profiled on the rows the metrics are measured on: the hold-out, or the --eval file.
      const performance = profileModel(result.model, result.testSet ?? evalData!.listings);
      writeReferenceSnapshot(
        referencePath,
        buildReferenceSnapshot(
          result.trainSet,
          result.trainSet.map((listing) => listing.price_category),
          { performance },
        ),
      );
      io.stderr.write(
        `trained ${trees} trees${result.model.boosting ? ` and ${result.model.boosting.iterations} boosting rounds` : ''} on ${result.nTrain} listings in ${result.fitSeconds.toFixed(2)} s; evaluated on ${result.nEval} (${evalData ? flags.eval : `${flags.holdout * 100} % hold-out`}); wrote ${out} and the drift reference ${referencePath}\n` +
          `calibration: ${performance.calibration.method}, expected calibration error ${performance.calibrationError.before.toFixed(4)} -> ${performance.calibrationError.after.toFixed(4)} (cross-fitted on the evaluation rows)\n`,
      );
      if (flags.json) {
        writeJson(io, {
          ...metricsJson(result.metrics),
          fit_seconds: result.fitSeconds,
          n_train: result.nTrain,
          n_eval: result.nEval,
          trees,
          seed,
          evaluation: evalData ? 'eval-set' : 'holdout',
          model_path: out,
          reference_path: referencePath,
          calibration: {
            method: performance.calibration.method,
            ece_before: performance.calibrationError.before,
            ece_after: performance.calibrationError.after,
          },
          bad_rows: data.badRows.length + (evalData?.badRows.length ?? 0),
          baseline: result.baselineMetrics
            ? { ...metricsJson(result.baselineMetrics), fit_seconds: result.baselineFitSeconds }
            : null,
        });
      } else {
        io.stdout.write(
          `${formatMetrics(`model ${out} (blended model vs logistic baseline, ${result.nEval} evaluation rows)`, result.metrics, result.baselineMetrics)}\n`,
        );
      }
    });
}

/** One stderr line per loaded file, plus the first few bad rows (file, line, column, value, why). */
export function reportLoad(io: CommandIo, load: RawListingsLoad): void {
  const missing = load.missingColumns.length > 0 ? `; columns absent: ${load.missingColumns.join(', ')}` : '';
  io.stderr.write(
    `loaded ${load.listings.length} listings from ${load.file} (${load.badRows.length} bad rows skipped${missing})\n`,
  );
  for (const bad of load.badRows.slice(0, BAD_ROWS_SHOWN)) {
    io.stderr.write(
      `  ${bad.file}:${bad.line}${bad.column ? ` column ${bad.column}` : ''}${bad.value !== null ? ` value ${JSON.stringify(bad.value)}` : ''}: ${bad.reason}\n`,
    );
  }
  if (load.badRows.length > BAD_ROWS_SHOWN)
    io.stderr.write(`  ... and ${load.badRows.length - BAD_ROWS_SHOWN} more\n`);
}

/** `--remote`: the training workflow on the stack, followed to its end with progress on stderr. */
async function trainRemotely(config: Config, flags: TrainFlags, io: CommandIo): Promise<void> {
  const options: RemoteTrainingOptions = {
    config,
    onProgress: (step, done) => io.stderr.write(done === null ? `${step}...\n` : `${step}: ${done}\n`),
  };
  if (flags.trees !== undefined) options.trees = flags.trees;
  if (flags.seed !== undefined) options.seed = flags.seed;
  io.stderr.write(`training workflow ${TRAINING_WORKFLOW_ID} on ${config.TEMPORAL_ADDRESS}\n`);
  const { started, result } = await runRemoteTraining(options);
  if (!started) io.stderr.write('(a training run was already going; followed it)\n');
  if (flags.json) {
    writeJson(io, result);
    return;
  }
  const d = result.decision;
  io.stdout.write(
    `${result.modelName} version ${result.version} (run ${result.runId}): accuracy ${result.metrics.accuracy?.toFixed(4)}, ` +
      `macro-F1 ${result.metrics.macro_f1?.toFixed(4)}\n` +
      `gate: ${d.promoted ? 'promoted to production' : 'kept in staging'} - ${d.reason}\n`,
  );
}
