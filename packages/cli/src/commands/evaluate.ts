/**
 * `mlops evaluate --model FILE --data CSV [--json]`: scores a saved model
 * bundle on a labelled raw CSV file and prints the metrics (a table, or with
 * --json one JSON object).
 */
import { Command } from 'commander';
import { loadConfig } from '@mlops/core';
import { loadRawListings } from '@mlops/core/listing';
import { classificationMetrics, labelIndices, Model } from '@mlops/core/model';
import { processIo, writeJson, type CommandIo } from '../command-io.js';
import { formatMetrics, metricsJson } from '../metrics-report.js';
import { reportLoad } from './train.js';

interface EvaluateFlags {
  model: string;
  data: string;
  json?: boolean;
}

export function evaluateCommand(io: CommandIo = processIo): Command {
  return new Command('evaluate')
    .description('score a model bundle on a labelled CSV file')
    .requiredOption('--model <file>', 'model bundle (from mlops train)')
    .requiredOption('--data <csv>', 'labelled listings in the raw portal CSV form')
    .option('--json', 'print one JSON object with the metrics instead of a table')
    .action(async (flags: EvaluateFlags) => {
      const config = loadConfig();
      const model = await Model.load(flags.model);
      const data = await loadRawListings(flags.data, { maxBadRowFraction: config.MAX_BAD_ROW_FRACTION });
      reportLoad(io, data);
      const started = performance.now();
      const proba = model.predictProbaBatch(data.listings);
      const seconds = (performance.now() - started) / 1000;
      const metrics = classificationMetrics(labelIndices(data.listings), proba, model.labels);
      if (flags.json) {
        writeJson(io, {
          ...metricsJson(metrics),
          n_eval: data.listings.length,
          predict_seconds: seconds,
          model_path: flags.model,
          trained_at: model.metadata.trainedAt,
        });
      } else {
        io.stdout.write(
          `${formatMetrics(`model ${flags.model} on ${flags.data} (${data.listings.length} rows)`, metrics)}\n`,
        );
      }
    });
}
