/**
 * Random forest benchmark (`pnpm bench:forest`):
 *
 *   pnpm exec tsx bench/forest.bench.ts [--data CSV] [--runs 5] [--trees 100] [--ml-timeout 900]
 *
 * - train: 100 trees on every row of the real 2022 listings (default threads =
 *   all cores), median wall time of `--runs` runs, plus the same on one thread.
 *   Target: <= 5 s, aim 2 s.
 * - predict: one-row `predictProba` in-process, median over runs of the mean of
 *   20,000 calls (reused output buffer), plus p50/p99 of single timed calls.
 *   Target: <= 50 us.
 * - accuracy (information only): 100 trees trained on a stratified 80 % of the
 *   real rows, scored on the other 20 %.
 * - comparison: the same small synthetic set (5,000 rows x 60 features, 5
 *   trees) through ml-random-forest 2.1.0 (in a worker thread, killed after
 *   `--ml-timeout` seconds; it takes minutes here) and through this forest,
 *   with the same features per split (all of them, ml-random-forest's
 *   default) and with 'sqrt'.
 *
 * - scikit-learn (optional, `--sklearn-python PATH` to a Python with
 *   scikit-learn): RandomForestClassifier(100 trees, balanced, n_jobs = cores)
 *   fitted on the same matrix in the same run, as the speed baseline.
 *
 * Features: the team's FeaturePipeline when it is present, else the old
 * pipeline's recipe (four numeric columns with median imputation + one-hot of
 * district, HeatingType, StructureType, FloorLocation), fitted on the rows the
 * forest trains on. Writes bench/results/forest.json.
 */
import { createRequire } from 'node:module';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { Dataset } from '@mlops/core/features';
import { PRICE_CATEGORIES } from '../packages/core/src/constants.js';
import { type RandomForest, trainForest } from '@mlops/core/model/forest';
import type { LabelledListing } from '@mlops/core/listing';
import { NUMERIC_FIELDS } from '@mlops/core/listing';
import { classificationMetrics } from '@mlops/core/model';
import { Random } from '@mlops/core/sampling';
import { loadRawListings } from '@mlops/core/listing';
import { stratifiedSplit } from '@mlops/core/sampling';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/istanbul-2022/listings-train.csv' },
    runs: { type: 'string', default: '5' },
    trees: { type: 'string', default: '100' },
    'ml-timeout': { type: 'string', default: '900' },
    // Optional: a Python with scikit-learn, to time its forest on the same matrix in the same run.
    'sklearn-python': { type: 'string' },
  },
});
const runs = Number(values.runs);
const execFileAsync = promisify(execFile);
const nTrees = Number(values.trees);
const mlTimeoutSeconds = Number(values['ml-timeout']);

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
const round = (x: number, digits = 1): number => Number(x.toFixed(digits));

/** Features as the forest sees them: a fitted encoder from listings to a Dataset. */
interface Encoder {
  name: string;
  transform(listings: readonly LabelledListing[]): Dataset;
}

/**
 * The team's feature pipeline, when its module is in the tree and exports
 * FeaturePipeline.fitTransform; undefined otherwise (then the bench encodes
 * the columns itself).
 */
async function pipelineEncoder(
  listings: readonly LabelledListing[],
  y: Uint8Array,
): Promise<Encoder | undefined> {
  try {
    const module = (await import('../packages/core/src/features/pipeline.js')) as {
      FeaturePipeline?: {
        fitTransform(
          rows: readonly LabelledListing[],
          labels: Uint8Array,
        ): { pipeline: { transform(rows: readonly LabelledListing[]): Dataset } };
      };
    };
    if (!module.FeaturePipeline?.fitTransform) return undefined;
    const { pipeline } = module.FeaturePipeline.fitTransform(listings, y);
    return {
      name: 'FeaturePipeline (packages/core/src/pipeline.ts, default options)',
      transform: (rows) => pipeline.transform(rows),
    };
  } catch {
    return undefined;
  }
}

/** The old Python pipeline's recipe: median-imputed numerics + one-hot categoricals. */
function oneHotEncoder(listings: readonly LabelledListing[]): Encoder {
  const categorical = ['district', 'HeatingType', 'StructureType', 'FloorLocation'] as const;
  const medians = NUMERIC_FIELDS.map((field) => {
    const present = listings.map((l) => l[field]).filter((v): v is number => v !== null);
    return present.length > 0 ? median(present) : 0;
  });
  const levels = categorical.map((field) => [...new Set(listings.map((l) => l[field] ?? ''))].sort());
  const names = [
    ...NUMERIC_FIELDS,
    ...categorical.flatMap((field, k) => levels[k]!.map((v) => `${field}=${v}`)),
  ];
  return {
    name: 'bench one-hot (median-imputed numerics + one-hot of 4 categoricals)',
    transform(rows) {
      const nFeatures = names.length;
      const data = new Float64Array(rows.length * nFeatures);
      rows.forEach((row, r) => {
        const base = r * nFeatures;
        NUMERIC_FIELDS.forEach((field, f) => (data[base + f] = row[field] ?? medians[f]!));
        let offset = NUMERIC_FIELDS.length;
        categorical.forEach((field, k) => {
          const index = levels[k]!.indexOf(row[field] ?? '');
          if (index >= 0) data[base + offset + index] = 1; // unseen level: all zeros
          offset += levels[k]!.length;
        });
      });
      return { data, nRows: rows.length, nFeatures, featureNames: names };
    },
  };
}

async function encoderFor(listings: readonly LabelledListing[], y: Uint8Array): Promise<Encoder> {
  return (await pipelineEncoder(listings, y)) ?? oneHotEncoder(listings);
}

async function timeTraining(X: Dataset, y: Uint8Array, threads: number, count: number) {
  const walls: number[] = [];
  const cpuPerWall: number[] = [];
  let forest: RandomForest | undefined;
  for (let run = 0; run < count; run++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    forest = await trainForest(X, y, 3, { nTrees, seed: 42, threads });
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    walls.push(wall);
    cpuPerWall.push((cpu.user + cpu.system) / 1000 / wall);
    process.stdout.write(`  train threads=${threads} run ${run + 1}: ${wall.toFixed(0)} ms\n`);
  }
  return { walls, cpuPerWall, forest: forest! };
}

/**
 * One-row latency. Each run times 2,000 single calls (rows cycling over 1,000
 * real rows, a reused output buffer) and keeps their median; the result is the
 * median of the run medians, which a busy machine's preemptions do not skew.
 * The mean per call of a tight loop of 20,000 calls is kept too.
 */
function timePrediction(forest: RandomForest, X: Dataset) {
  const rows = Array.from({ length: 1000 }, (_, i) => X.data.slice(i * X.nFeatures, (i + 1) * X.nFeatures));
  const out = new Float64Array(forest.nClasses);
  let sink = 0;
  for (let i = 0; i < 5000; i++) sink += forest.predictProba(rows[i % rows.length]!, out)[0]!; // warm-up (JIT)
  const runMedians: number[] = [];
  const runP99: number[] = [];
  const loopMeans: number[] = [];
  for (let run = 0; run < Math.max(runs, 7); run++) {
    const single: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const t0 = process.hrtime.bigint();
      sink += forest.predictProba(rows[i % rows.length]!, out)[0]!;
      single.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
    runMedians.push(median(single));
    runP99.push(quantile(single, 0.99));
    const t0 = performance.now();
    for (let i = 0; i < 20_000; i++) sink += forest.predictProba(rows[i % rows.length]!, out)[0]!;
    loopMeans.push(((performance.now() - t0) * 1000) / 20_000);
  }
  const t0 = performance.now();
  const batch = forest.predictProbaBatch(X);
  const batchMs = performance.now() - t0;
  if (sink < 0 || batch.length === 0) console.log('unreachable');
  return { runMedians, runP99, loopMeans, batchRowsPerSecond: X.nRows / (batchMs / 1000) };
}

/**
 * 60 integer features in [-9, 9] (19 levels, like rounded or binned columns;
 * ml-random-forest's exact split search is even slower on continuous ones),
 * 3 classes from a noisy linear score of the first 10.
 */
function syntheticSet(nRows: number, seed: number): { rows: number[][]; y: Uint8Array } {
  const random = new Random(seed);
  const rows: number[][] = [];
  const y = new Uint8Array(nRows);
  for (let r = 0; r < nRows; r++) {
    const row = Array.from({ length: 60 }, () => Math.max(-9, Math.min(9, Math.round(random.normal(0, 3)))));
    let score = 0;
    for (let f = 0; f < 10; f++) score += (row[f]! / 3) * (f % 2 === 0 ? 1 : -0.5);
    score += random.normal(0, 0.5);
    y[r] = score < -1 ? 0 : score < 1 ? 1 : 2;
    rows.push(row);
  }
  return { rows, y };
}

function toDataset(rows: number[][]): Dataset {
  const nFeatures = rows[0]!.length;
  const data = new Float64Array(rows.length * nFeatures);
  rows.forEach((row, r) => data.set(row, r * nFeatures));
  return { data, nRows: rows.length, nFeatures };
}

/** ml-random-forest in a worker thread, so a run past the timeout can be killed. */
async function runMlRandomForest(
  train: { rows: number[][]; y: Uint8Array },
  test: { rows: number[][]; y: Uint8Array },
  trees: number,
): Promise<
  { status: 'ok'; fitMs: number; accuracy: number } | { status: 'timeout' | 'error'; detail: string }
> {
  const modulePath = createRequire(import.meta.url).resolve('ml-random-forest');
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { RandomForestClassifier } = require(workerData.modulePath);
    const t0 = performance.now();
    const model = new RandomForestClassifier({ nEstimators: workerData.trees, seed: 42, noOOB: true });
    model.train(workerData.trainRows, workerData.trainY);
    const fitMs = performance.now() - t0;
    const predicted = model.predict(workerData.testRows);
    let correct = 0;
    predicted.forEach((p, i) => { if (p === workerData.testY[i]) correct++; });
    parentPort.postMessage({ fitMs, accuracy: correct / predicted.length });
  `;
  const worker = new Worker(code, {
    eval: true,
    workerData: {
      modulePath,
      trees,
      trainRows: train.rows,
      trainY: Array.from(train.y),
      testRows: test.rows,
      testY: Array.from(test.y),
    },
  });
  return await new Promise((resolve) => {
    const timer = setTimeout(() => {
      void worker.terminate();
      resolve({ status: 'timeout', detail: `killed after ${mlTimeoutSeconds} s` });
    }, mlTimeoutSeconds * 1000);
    worker.once('message', (result: { fitMs: number; accuracy: number }) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve({ status: 'ok', ...result });
    });
    worker.once('error', (error) => {
      clearTimeout(timer);
      resolve({ status: 'error', detail: error.message });
    });
  });
}

function accuracyOf(forest: RandomForest, X: Dataset, y: Uint8Array): number {
  return classificationMetrics(y, forest.predictProbaBatch(X), PRICE_CATEGORIES).accuracy;
}

/**
 * scikit-learn's RandomForestClassifier (100 trees, balanced weights, all
 * cores) on the same matrix, timed inside Python (median of runs).
 */
async function timeSklearn(python: string, X: Dataset, y: Uint8Array) {
  const dir = await mkdtemp(join(tmpdir(), 'forest-bench-'));
  try {
    await writeFile(join(dir, 'X.bin'), new Uint8Array(X.data.buffer, X.data.byteOffset, X.data.byteLength));
    await writeFile(join(dir, 'y.bin'), y);
    const script = [
      'import json, sys, time, platform',
      'import numpy as np, sklearn',
      'from sklearn.ensemble import RandomForestClassifier',
      `X = np.fromfile(sys.argv[1] + '/X.bin').reshape(-1, ${X.nFeatures})`,
      "y = np.fromfile(sys.argv[1] + '/y.bin', dtype=np.uint8)",
      'walls = []',
      `for run in range(${Math.min(runs, 3)}):`,
      '    t = time.perf_counter()',
      `    RandomForestClassifier(n_estimators=${nTrees}, class_weight='balanced', n_jobs=${availableParallelism()}, random_state=run).fit(X, y)`,
      '    walls.append((time.perf_counter() - t) * 1000)',
      "print(json.dumps({'version': sklearn.__version__, 'python': platform.python_version(), 'walls': walls}))",
    ].join('\n');
    const { stdout } = await execFileAsync(python, ['-c', script, dir], { maxBuffer: 1 << 20 });
    const out = JSON.parse(stdout) as { version: string; python: string; walls: number[] };
    console.log(`  scikit-learn ${out.version}: ${out.walls.map((w) => w.toFixed(0)).join(', ')} ms`);
    return {
      sklearn_version: out.version,
      python: out.python,
      wall_ms_runs: out.walls.map((w) => round(w)),
      wall_ms_median: round(median(out.walls)),
    };
  } catch (error) {
    return { error: (error as Error).message.split('\n')[0] };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: availableParallelism(),
  node: process.version,
  load_average_at_start: loadavg().map((x) => round(x, 2)),
};
console.log(
  `forest benchmark on ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, load ${machine.load_average_at_start.join(' ')}`,
);

const loaded = await loadRawListings(values.data);
const listings = loaded.listings;
const labels = Uint8Array.from(listings, (l) => PRICE_CATEGORIES.indexOf(l.price_category));

// Training speed on every real row.
const encoder = await encoderFor(listings, labels);
const X = encoder.transform(listings);
console.log(`real data: ${X.nRows} rows x ${X.nFeatures} features (${encoder.name})`);
const parallel = await timeTraining(X, labels, availableParallelism(), runs);
const single = await timeTraining(X, labels, 1, Math.min(runs, 3));
const sklearn = values['sklearn-python'] ? await timeSklearn(values['sklearn-python'], X, labels) : undefined;

// One-row latency on the forest just trained.
const prediction = timePrediction(parallel.forest, X);
const predictUs = median(prediction.runMedians);

// Hold-out accuracy (information only).
const { train, test } = stratifiedSplit(labels, 0.2, 42);
const trainRows = Array.from(train, (i) => listings[i]!);
const testRows = Array.from(test, (i) => listings[i]!);
const yTrain = Uint8Array.from(train, (i) => labels[i]!);
const yTest = Uint8Array.from(test, (i) => labels[i]!);
const holdoutEncoder = await encoderFor(trainRows, yTrain);
const holdoutForest = await trainForest(holdoutEncoder.transform(trainRows), yTrain, 3, { nTrees, seed: 42 });
const holdout = classificationMetrics(
  yTest,
  holdoutForest.predictProbaBatch(holdoutEncoder.transform(testRows)),
  PRICE_CATEGORIES,
);
console.log(
  `hold-out 20 %: accuracy ${holdout.accuracy.toFixed(4)}, macro-F1 ${holdout.macro_f1.toFixed(4)}`,
);

// Comparison with ml-random-forest on a small synthetic set.
const synthTrain = syntheticSet(5000, 1);
const synthTest = syntheticSet(2000, 2);
const synthX = toDataset(synthTrain.rows);
const synthTestX = toDataset(synthTest.rows);
const comparisonTrees = 5;
const ours: Record<string, { fit_ms_median: number; accuracy: number }> = {};
for (const [label, maxFeatures, threads] of [
  ['all features per split, 1 thread', 1, 1],
  ['all features per split, all threads', 1, availableParallelism()],
  ['sqrt features per split, 1 thread', 'sqrt', 1],
] as const) {
  const times: number[] = [];
  let forest: RandomForest | undefined;
  for (let run = 0; run < Math.max(runs, 3); run++) {
    const t0 = performance.now();
    forest = await trainForest(synthX, synthTrain.y, 3, {
      nTrees: comparisonTrees,
      seed: 42,
      maxFeatures,
      threads,
    });
    times.push(performance.now() - t0);
  }
  ours[label] = {
    fit_ms_median: round(median(times)),
    accuracy: round(accuracyOf(forest!, synthTestX, synthTest.y), 4),
  };
}
console.log(`ml-random-forest: ${comparisonTrees} trees on 5,000 x 60 (timeout ${mlTimeoutSeconds} s)...`);
const ml = await runMlRandomForest(synthTrain, synthTest, comparisonTrees);
const oursLikeForLike = ours['all features per split, 1 thread']!.fit_ms_median;

const result = {
  machine,
  runs,
  train_real: {
    file: values.data,
    rows: X.nRows,
    features: X.nFeatures,
    features_from: encoder.name,
    trees: nTrees,
    threads: availableParallelism(),
    wall_ms_runs: parallel.walls.map((x) => round(x)),
    wall_ms_median: round(median(parallel.walls)),
    wall_ms_min: round(Math.min(...parallel.walls)),
    cpu_per_wall_median: round(median(parallel.cpuPerWall), 2),
    single_thread_wall_ms_median: round(median(single.walls)),
    target_ms: 5000,
    aim_ms: 2000,
    meets_target: median(parallel.walls) <= 5000,
    sklearn_same_matrix: sklearn ?? 'not run (pass --sklearn-python PATH)',
    ratio_to_sklearn:
      sklearn?.wall_ms_median !== undefined
        ? round(median(parallel.walls) / sklearn.wall_ms_median, 2)
        : null,
  },
  predict_one_row: {
    trees: parallel.forest.nTrees,
    method: 'per run: median of 2,000 timed single calls over 1,000 real rows; result: median of runs',
    median_us: round(predictUs, 2),
    run_medians_us: prediction.runMedians.map((x) => round(x, 2)),
    p99_us_median_of_runs: round(median(prediction.runP99), 2),
    tight_loop_mean_us_median_of_runs: round(median(prediction.loopMeans), 2),
    batch_rows_per_second: Math.round(prediction.batchRowsPerSecond),
    target_us: 50,
    meets_target: predictUs <= 50,
  },
  holdout_accuracy_info: {
    split: 'stratified 20 %, seed 42',
    train_rows: train.length,
    test_rows: test.length,
    features: holdoutEncoder.transform(trainRows.slice(0, 1)).nFeatures,
    accuracy: round(holdout.accuracy, 4),
    macro_f1: round(holdout.macro_f1, 4),
  },
  comparison_synthetic: {
    set: '5,000 train rows x 60 features (3 classes, noisy linear rule), 2,000 test rows',
    trees: comparisonTrees,
    ml_random_forest_2_1_0:
      ml.status === 'ok'
        ? { status: 'ok', fit_ms: round(ml.fitMs), accuracy: round(ml.accuracy, 4), runs: 1 }
        : { status: ml.status, detail: ml.detail },
    this_forest: ours,
    speedup_like_for_like: ml.status === 'ok' ? round(ml.fitMs / oursLikeForLike, 0) : null,
    speedup_like_for_like_at_least:
      ml.status === 'timeout' ? round((mlTimeoutSeconds * 1000) / oursLikeForLike, 0) : null,
  },
};

const outFile = join(root, 'bench', 'results', 'forest.json');
await mkdir(dirname(outFile), { recursive: true });
await writeFile(outFile, `${JSON.stringify(result, null, 2)}\n`);

const t = result.train_real;
const p = result.predict_one_row;
const c = result.comparison_synthetic;
console.log(`
| measurement | result | target |
|---|---|---|
| train ${t.trees} trees, ${t.rows} rows x ${t.features} features, ${t.threads} threads (median of ${runs}) | ${(t.wall_ms_median / 1000).toFixed(2)} s | <= 5 s (aim 2 s) |
| same on 1 thread | ${(t.single_thread_wall_ms_median / 1000).toFixed(2)} s | |
| scikit-learn, same matrix, ${t.threads} cores (median) | ${sklearn?.wall_ms_median !== undefined ? `${(sklearn.wall_ms_median / 1000).toFixed(2)} s (ours / sklearn = ${t.ratio_to_sklearn})` : 'not run'} | |
| predictProba, one row, ${p.trees} trees (median of run medians) | ${p.median_us} us (p99 ${p.p99_us_median_of_runs}, loop mean ${p.tight_loop_mean_us_median_of_runs}) | <= 50 us |
| predictProbaBatch | ${p.batch_rows_per_second.toLocaleString('en-US')} rows/s | |
| hold-out accuracy / macro-F1 (info) | ${result.holdout_accuracy_info.accuracy} / ${result.holdout_accuracy_info.macro_f1} | |
| ml-random-forest, ${c.trees} trees on 5,000 x 60 | ${ml.status === 'ok' ? `${(ml.fitMs / 1000).toFixed(2)} s` : ml.status} | |
| this forest, same set, all features per split, 1 thread | ${(oursLikeForLike / 1000).toFixed(3)} s${c.speedup_like_for_like ? ` (${c.speedup_like_for_like}x faster)` : ''} | |
`);
console.log(`wrote ${outFile}`);
