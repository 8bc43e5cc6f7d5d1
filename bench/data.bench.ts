/**
 * Data benchmarks: loading the real 2022 file, generating synthetic listings,
 * and how learnable the synthetic labels are.
 *
 *   pnpm exec tsx bench/data.bench.ts [--data CSV] [--runs 7] [--trees 100]
 *
 * - load: `loadRawListings` on the real file (median of runs) against bare
 *   csv-parse of the same text in the same process (the floor any csv-parse
 *   loader pays), plus the file's bad-row count.
 * - generate: `generateRawListings` of 20,000 rows (median of warm runs, and
 *   the first call, which also calibrates the label cut points).
 * - synthetic accuracy: the project's pipeline + forest trained on 20,000
 *   generated rows (seed 1), scored on 5,000 rows of seed 2 and on each drift
 *   scenario (seed 2), so the drift's effect on a deployed model shows.
 *
 * Writes bench/results/data.json.
 */
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PRICE_CATEGORIES } from '@mlops/core';
import { FeaturePipeline } from '@mlops/core/features';
import {
  formatRawListingsCsv,
  type LabelledListing,
  loadRawListings,
  parseRawListingsCsv,
} from '@mlops/core/listing';
import { classificationMetrics } from '@mlops/core/model';
import { generateRawListings, SYNTHETIC_DRIFT_SCENARIOS } from '@mlops/core/synthetic';
import { trainForest } from '@mlops/core/model/forest';

// csv-parse is core's dependency, not the root's: resolve it from core's folder.
const { parse } = createRequire(new URL('../packages/core/package.json', import.meta.url))(
  'csv-parse/sync',
) as { parse: (text: string) => unknown };

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/istanbul-2022/listings-train.csv' },
    runs: { type: 'string', default: '7' },
    trees: { type: 'string', default: '100' },
  },
});
const runs = Number(values.runs);

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function timeRuns(fn: () => unknown | Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return samples;
}

const round = (x: number, digits = 1) => Number(x.toFixed(digits));

// Generation: the first call includes the one-off calibration of the label cut points.
const coldStart = performance.now();
generateRawListings({ rows: 20_000, seed: 1 });
const generateColdMs = performance.now() - coldStart;
const generateMs = await timeRuns(() => generateRawListings({ rows: 20_000, seed: 1 }));
const roundTripMs = await timeRuns(() =>
  parseRawListingsCsv(formatRawListingsCsv(generateRawListings({ rows: 20_000, seed: 1 }))),
);

// Loading the real file, against bare csv-parse of the same text.
const text = await readFile(values.data, 'utf8');
const csvParseMs = await timeRuns(() => parse(text));
const loadMs = await timeRuns(() => loadRawListings(values.data));
const load = await loadRawListings(values.data);

// Learnability of the synthetic labels, and the drift scenarios' effect on a model trained without drift.
const LABELS = [...PRICE_CATEGORIES];
const labelsOf = (listings: LabelledListing[]) =>
  Uint8Array.from(listings, (l) => LABELS.indexOf(l.price_category));
const listingsOf = (rows: ReturnType<typeof generateRawListings>) =>
  parseRawListingsCsv(formatRawListingsCsv(rows)).listings;
const train = listingsOf(generateRawListings({ rows: 20_000, seed: 1 }));
const yTrain = labelsOf(train);
const { pipeline, data } = FeaturePipeline.fitTransform(train, yTrain);
const forest = await trainForest(data, yTrain, LABELS.length, { nTrees: Number(values.trees), seed: 42 });
const scored: Record<
  string,
  { accuracy: number; macro_f1: number; high_share: number; predicted_high_share: number }
> = {};
for (const drift of [null, ...SYNTHETIC_DRIFT_SCENARIOS]) {
  const test = listingsOf(generateRawListings({ rows: 5000, seed: 2, drift }));
  const yTest = labelsOf(test);
  const proba = forest.predictProbaBatch(pipeline.transform(test));
  const metrics = classificationMetrics(yTest, proba, LABELS);
  const high = LABELS.indexOf('high');
  scored[drift ?? 'none'] = {
    accuracy: round(metrics.accuracy, 4),
    macro_f1: round(metrics.macro_f1, 4),
    high_share: round(yTest.filter((y) => y === high).length / yTest.length, 4),
    predicted_high_share: round(
      metrics.confusion_matrix.reduce((acc, row) => acc + row[high]!, 0) / yTest.length,
      4,
    ),
  };
}

const result = {
  // Other work on the machine inflates timings: the 1-minute load average is recorded with them.
  machine: { cpus: availableParallelism(), node: process.version, load_average_1m: round(loadavg()[0]!, 2) },
  runs,
  load: {
    file: values.data,
    rows: load.rowCount,
    bad_rows: load.badRows.length,
    load_ms_median: round(median(loadMs)),
    csv_parse_only_ms_median: round(median(csvParseMs)),
    ratio_to_csv_parse: round(median(loadMs) / median(csvParseMs), 2),
  },
  generate: {
    rows: 20_000,
    first_call_ms_including_calibration: round(generateColdMs),
    warm_ms_median: round(median(generateMs)),
    generate_format_parse_ms_median: round(median(roundTripMs)),
  },
  synthetic_accuracy: {
    train_rows: train.length,
    test_rows: 5000,
    trees: Number(values.trees),
    by_drift: scored,
  },
};

const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'data.json');
await mkdir(dirname(out), { recursive: true });
await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
