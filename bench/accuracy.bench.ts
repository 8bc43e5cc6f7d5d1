/**
 * Accuracy benchmark on the real 2022 Istanbul listings (never in unit tests):
 *
 *   pnpm bench:accuracy [--data CSV] [--trees 100] [--seed 42] [--folds 5]
 *
 * 1. The 20 % hold-out by content hash exactly as `mlops train --data CSV` runs
 *    it (core's trainModel with its defaults; the training workflow's split).
 * 2. Stratified 5-fold cross-validation with the same settings (each fold:
 *    trainModel on 4/5, evaluated on the remaining 1/5).
 * 3. On the same folds, in the same run, the reference recipe of the old
 *    Python stack (one-hot categoricals, median-imputed numerics, no engineered
 *    features, no crosses; a plain random forest of the same size, no
 *    boosting, no memory), so the gain is measured, not assumed.
 * 4. The parts of each fold's model scored alone and blended step by step
 *    (random forest trees, + extremely randomized trees, + boosting, + memory),
 *    so each part's share of the gain is on record.
 *
 * Writes bench/results/accuracy.json (per-fold values, mean and sd) and prints
 * a summary. Targets (issue 2): accuracy >= 0.82 and macro-F1 >= 0.825.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { PRICE_CATEGORIES } from '@mlops/core';
import { DEFAULT_PIPELINE_OPTIONS, type PipelineOptions } from '@mlops/core/features';
import { loadRawListings, type LabelledListing } from '@mlops/core/listing';
import {
  DEFAULT_BLEND,
  DEFAULT_TRAINING_BOOSTING_OPTIONS,
  DEFAULT_TRAINING_FOREST_OPTIONS,
  classificationMetrics,
  labelIndices,
  trainModel,
  type ClassificationMetrics,
  type Model,
} from '@mlops/core/model';
import { RandomForest, isExtraTree } from '@mlops/core/model/forest';
import { stratifiedKFold } from '@mlops/core/sampling';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/istanbul-2022/listings-train.csv' },
    trees: { type: 'string', default: '200' },
    seed: { type: 'string', default: '42' },
    folds: { type: 'string', default: '5' },
    out: { type: 'string', default: 'bench/results/accuracy.json' },
  },
});
const trees = Number(values.trees);
const seed = Number(values.seed);
const nFolds = Number(values.folds);

const TARGETS = { accuracy: 0.82, macro_f1: 0.825 };
const REPORTED = [
  'accuracy',
  'macro_f1',
  'weighted_f1',
  'roc_auc_macro',
  'roc_auc_weighted',
  'log_loss',
] as const;
type Reported = (typeof REPORTED)[number];

/** The old stack's recipe, expressed as pipeline options. */
const REFERENCE_RECIPE: Partial<PipelineOptions> = {
  lowCardinality: 'onehot',
  highCardinality: 'frequency',
  crosses: [],
  engineered: false,
  floorNumber: false,
  adMonth: false,
  missingIndicators: false,
};

/** The model's parts, scored alone and blended step by step, on the same rows. */
function partMetrics(
  model: Model,
  rows: readonly LabelledListing[],
): Record<string, Record<Reported, number>> {
  const y = labelIndices(rows);
  const X = model.pipeline.transform(rows);
  const k = PRICE_CATEGORIES.length;
  const score = (p: Float64Array) => pick(classificationMetrics(y, p, PRICE_CATEGORIES));
  // The forest's two kinds of trees (extraTrees share), each as a forest of its own.
  const forest = model.forest;
  const share = forest.params.extraTrees ?? 0;
  const kind = (extra: boolean) =>
    RandomForest.fromTrees(
      Array.from({ length: forest.nTrees }, (_, t) => t)
        .filter((t) => isExtraTree(t, share) === extra)
        .map((t) => forest.treeAt(t)),
      { nClasses: k, nFeatures: forest.nFeatures, featureNames: undefined, params: forest.params },
    ).predictProbaBatch(X);
  const out: Record<string, Record<Reported, number>> = {};
  const pf = forest.predictProbaBatch(X);
  if (share > 0 && share < 1 && forest.nTrees >= 2) {
    out['random forest trees only'] = score(kind(false));
    out['extremely randomized trees only'] = score(kind(true));
  }
  out['forest (both kinds)'] = score(pf);
  let blended = pf;
  if (model.boosting) {
    const pb = model.boosting.predictProbaBatch(X);
    out['boosting only'] = score(pb);
    const { forest: wf, boosting: wb } = model.blend;
    blended = pf.map((v, i) => (wf * v + wb * pb[i]!) / (wf + wb));
    out['forest + boosting'] = score(blended);
  }
  if (model.memory) out['forest + boosting + memory (served model)'] = score(model.predictProbaBatch(rows));
  return out;
}

function pick(m: ClassificationMetrics): Record<Reported, number> {
  return Object.fromEntries(REPORTED.map((k) => [k, m[k] ?? Number.NaN])) as Record<Reported, number>;
}

function summarise(folds: Record<Reported, number>[]) {
  const mean = {} as Record<Reported, number>;
  const sd = {} as Record<Reported, number>;
  for (const k of REPORTED) {
    const v = folds.map((f) => f[k]);
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    mean[k] = m;
    sd[k] = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, v.length - 1));
  }
  return { mean, sd };
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const fmt = (m: number, sd?: number) =>
  sd === undefined ? m.toFixed(4) : `${m.toFixed(4)} ± ${sd.toFixed(4)}`;

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const load = await loadRawListings(values.data!);
  const listings = load.listings;
  process.stderr.write(
    `loaded ${listings.length} listings (${load.badRows.length} bad rows) from ${values.data}\n`,
  );

  // 1. The hold-out, as `mlops train` runs it.
  const holdout = await trainModel(listings, { trees, seed });
  process.stderr.write(
    `hold-out: accuracy ${fmt(holdout.metrics.accuracy)}, macro-F1 ${fmt(holdout.metrics.macro_f1)}\n`,
  );

  // 2 + 3. Cross-validation of the chosen settings and of the reference recipe on the same folds.
  const folds = stratifiedKFold(labelIndices(listings), nFolds, seed);
  const chosen: Record<Reported, number>[] = [];
  const baseline: Record<Reported, number>[] = [];
  const reference: Record<Reported, number>[] = [];
  const parts: Record<string, Record<Reported, number>[]> = {};
  const fitSeconds: number[] = [];
  const referenceFitSeconds: number[] = [];
  for (const [f, { train, test }] of folds.entries()) {
    const trainRows = Array.from(train, (i) => listings[i]!);
    const testRows = Array.from(test, (i) => listings[i]!);
    const run = await trainModel(trainRows, { trees, seed, evalListings: testRows });
    chosen.push(pick(run.metrics));
    for (const [name, metrics] of Object.entries(partMetrics(run.model, testRows)))
      (parts[name] ??= []).push(metrics);
    baseline.push(pick(run.baselineMetrics!));
    fitSeconds.push(run.fitSeconds);
    const ref = await trainModel(trainRows, {
      trees,
      seed,
      evalListings: testRows,
      baseline: false,
      pipeline: REFERENCE_RECIPE,
      forest: { extraTrees: 0 },
      boosting: false,
      memory: false,
    });
    reference.push(pick(ref.metrics));
    referenceFitSeconds.push(ref.fitSeconds);
    process.stderr.write(
      `fold ${f + 1}/${nFolds}: accuracy ${fmt(run.metrics.accuracy)} (reference recipe ${fmt(ref.metrics.accuracy)}), macro-F1 ${fmt(run.metrics.macro_f1)}\n`,
    );
  }
  const cv = summarise(chosen);
  const referenceCv = summarise(reference);
  const baselineCv = summarise(baseline);
  const met = {
    holdout: holdout.metrics.accuracy >= TARGETS.accuracy && holdout.metrics.macro_f1 >= TARGETS.macro_f1,
    cv: cv.mean.accuracy >= TARGETS.accuracy && cv.mean.macro_f1 >= TARGETS.macro_f1,
  };

  const result = {
    benchmark: 'accuracy',
    command: `pnpm bench:accuracy --data ${values.data} --trees ${trees} --seed ${seed} --folds ${nFolds}`,
    started_at: startedAt,
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: availableParallelism(),
      node: process.version,
      load_average_at_start: loadavg(),
    },
    data: {
      file: values.data,
      rows: listings.length,
      bad_rows: load.badRows.length,
      absent_columns: load.missingColumns,
    },
    settings: {
      trees,
      seed,
      pipeline: { ...DEFAULT_PIPELINE_OPTIONS },
      forest: { ...DEFAULT_TRAINING_FOREST_OPTIONS },
      boosting: { ...DEFAULT_TRAINING_BOOSTING_OPTIONS },
      blend: { ...DEFAULT_BLEND },
      features: holdout.model.pipeline.featureNames,
    },
    targets: TARGETS,
    target_met: met,
    holdout: {
      description: '20 % hold-out by content hash, as `mlops train --data CSV` (trainModel defaults)',
      n_train: holdout.nTrain,
      n_eval: holdout.nEval,
      fit_seconds: holdout.fitSeconds,
      metrics: pick(holdout.metrics),
      per_class: holdout.metrics.per_class,
      confusion_matrix: holdout.metrics.confusion_matrix,
      baseline_logistic: pick(holdout.baselineMetrics!),
    },
    cross_validation: {
      description: `stratified ${nFolds}-fold CV, same settings`,
      folds: chosen,
      mean: cv.mean,
      sd: cv.sd,
      fit_seconds_median: median(fitSeconds),
      baseline_logistic: baselineCv,
      parts: Object.fromEntries(Object.entries(parts).map(([name, folds]) => [name, summarise(folds)])),
    },
    reference_recipe: {
      description:
        'the old stack recipe (one-hot, median imputation, no engineered features or crosses) with the same forest on the same folds',
      pipeline: REFERENCE_RECIPE,
      folds: reference,
      mean: referenceCv.mean,
      sd: referenceCv.sd,
      fit_seconds_median: median(referenceFitSeconds),
      gain: Object.fromEntries(REPORTED.map((k) => [k, cv.mean[k] - referenceCv.mean[k]])),
    },
  };
  await mkdir(dirname(values.out!), { recursive: true });
  await writeFile(values.out!, `${JSON.stringify(result, null, 2)}\n`);

  const line = (name: string, m: Record<Reported, number>, sd?: Record<Reported, number>) =>
    `| ${name} | ${fmt(m.accuracy, sd?.accuracy)} | ${fmt(m.macro_f1, sd?.macro_f1)} | ${fmt(m.roc_auc_macro, sd?.roc_auc_macro)} |`;
  process.stdout.write(
    [
      '| evaluation | accuracy | macro-F1 | ROC-AUC macro |',
      '|---|---|---|---|',
      line(`hold-out 20 % (n=${holdout.nEval})`, pick(holdout.metrics)),
      line(`${nFolds}-fold CV mean ± sd`, cv.mean, cv.sd),
      line(`${nFolds}-fold CV, reference recipe`, referenceCv.mean, referenceCv.sd),
      ...Object.entries(parts).map(([name, folds]) => {
        const s = summarise(folds);
        return line(`${nFolds}-fold CV, ${name}`, s.mean, s.sd);
      }),
      line(`${nFolds}-fold CV, logistic baseline`, baselineCv.mean, baselineCv.sd),
      '',
      `targets accuracy >= ${TARGETS.accuracy}, macro-F1 >= ${TARGETS.macro_f1}: hold-out ${met.holdout ? 'met' : 'NOT met'}, CV ${met.cv ? 'met' : 'NOT met'}`,
      `wrote ${values.out}`,
      '',
    ].join('\n'),
  );
}

await main();
