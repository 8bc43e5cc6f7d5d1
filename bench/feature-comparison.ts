/**
 * Feature-pipeline and forest-setting comparison on the real 2022 listings by
 * stratified 5-fold cross-validation: the measurement behind the defaults of
 * pipeline.ts and training.ts (table in the model notes).
 *
 *   pnpm exec tsx bench/feature-comparison.ts [--data CSV] [--folds 5] [--only A1,C2] [--trees 100]
 *
 * Prints one Markdown table line per configuration: mean ± sd over folds of
 * accuracy, macro-F1 and macro ROC-AUC, the feature count and the mean forest
 * fit time; a full run (no --only) also writes bench/results/feature-comparison.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { PRICE_CATEGORIES } from '@mlops/core';
import {
  FeaturePipeline,
  DEFAULT_PIPELINE_OPTIONS,
  type CategoryKey,
  type PipelineOptions,
} from '@mlops/core/features';
import { loadRawListings } from '@mlops/core/listing';
import { classificationMetrics, DEFAULT_TRAINING_FOREST_OPTIONS } from '@mlops/core/model';
import { trainForest, type ForestOptions } from '@mlops/core/model/forest';
import { stratifiedKFold } from '@mlops/core/sampling';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/istanbul-2022/listings-train.csv' },
    folds: { type: 'string', default: '5' },
    only: { type: 'string' },
    trees: { type: 'string', default: '100' },
    seed: { type: 'string', default: '42' },
  },
});

interface Candidate {
  name: string;
  pipeline: Partial<PipelineOptions>;
  forest?: ForestOptions;
}

/** The old stack's recipe: one-hot, median imputation, nothing engineered. */
const plain: Partial<PipelineOptions> = {
  lowCardinality: 'onehot',
  highCardinality: 'frequency',
  crosses: [],
  engineered: false,
  floorNumber: false,
  adMonth: false,
  missingIndicators: false,
};
const withFeatures: Partial<PipelineOptions> = { ...plain, engineered: true, floorNumber: true };
const dxh: CategoryKey[][] = [
  ['district', 'HeatingType'],
  ['district', 'FloorLocation'],
];
const chosenCrosses: CategoryKey[][] = [
  ...dxh,
  ['district', 'rooms'],
  ['district', 'age'],
  ['district', 'gross_bin'],
];
/** The defaults of pipeline.ts (target encoding, the five district crosses). */
const chosen: Partial<PipelineOptions> = { ...DEFAULT_PIPELINE_OPTIONS, crosses: chosenCrosses };

export const CANDIDATES: Candidate[] = [
  // A. Encoding of the low-cardinality categoricals, engineered numerics, no crosses.
  { name: 'A1 one-hot (old recipe)', pipeline: plain },
  { name: 'A2 one-hot + engineered', pipeline: { ...plain, engineered: true } },
  { name: 'A3 one-hot + engineered + floor number', pipeline: withFeatures },
  {
    name: 'A4 ordinal (target-ranked) + eng + floor',
    pipeline: { ...withFeatures, lowCardinality: 'ordinal' },
  },
  { name: 'A5 frequency + eng + floor', pipeline: { ...withFeatures, lowCardinality: 'frequency' } },
  { name: 'A6 target + eng + floor', pipeline: { ...withFeatures, lowCardinality: 'target' } },
  // B. Encoding of the crosses district x HeatingType, district x FloorLocation.
  {
    name: 'B1 A6 + dxHeating, dxFloor by target',
    pipeline: { ...withFeatures, lowCardinality: 'target', crosses: dxh },
  },
  {
    name: 'B2 A6 + dxHeating, dxFloor by frequency',
    pipeline: { ...withFeatures, lowCardinality: 'target', crosses: dxh, crossEncoding: 'frequency' },
  },
  {
    name: 'B3 A6 + dxHeating, dxFloor by hashing (32)',
    pipeline: { ...withFeatures, lowCardinality: 'target', crosses: dxh, crossEncoding: 'hash' },
  },
  // C. More target-encoded crosses.
  {
    name: 'C1 B1 + dxRooms, dxAge',
    pipeline: {
      ...withFeatures,
      lowCardinality: 'target',
      crosses: [...dxh, ['district', 'rooms'], ['district', 'age']],
    },
  },
  { name: 'C2 C1 + dxGrossBin (chosen)', pipeline: chosen },
  {
    name: 'C3 C2 + dxGrossBinxRooms',
    pipeline: { ...chosen, crosses: [...chosenCrosses, ['district', 'gross_bin', 'rooms']] },
  },
  {
    name: 'C4 C2 + dxGrossBinxRoomsxAge',
    pipeline: { ...chosen, crosses: [...chosenCrosses, ['district', 'gross_bin', 'rooms', 'age']] },
  },
  { name: 'C5 C2 + dxNetBin', pipeline: { ...chosen, crosses: [...chosenCrosses, ['district', 'net_bin']] } },
  {
    name: 'C6 C2 + HeatingxAge',
    pipeline: { ...chosen, crosses: [...chosenCrosses, ['HeatingType', 'age']] },
  },
  {
    name: 'C7 C2 + dxStructure',
    pipeline: { ...chosen, crosses: [...chosenCrosses, ['district', 'StructureType']] },
  },
  {
    name: 'C8 C2 + dxHeatingxAge',
    pipeline: { ...chosen, crosses: [...chosenCrosses, ['district', 'HeatingType', 'age']] },
  },
  // D. Target-encoding settings (on C2).
  { name: 'D1 C2, class probabilities instead of mean class', pipeline: { ...chosen, targetStat: 'probs' } },
  { name: 'D2 C2, smoothing 1', pipeline: { ...chosen, targetSmoothing: 1 } },
  { name: 'D3 C2, smoothing 3', pipeline: { ...chosen, targetSmoothing: 3 } },
  { name: 'D4 C2, smoothing 30', pipeline: { ...chosen, targetSmoothing: 30 } },
  { name: 'D5 C2, 10 out-of-fold folds', pipeline: { ...chosen, targetFolds: 10 } },
  { name: 'D6 C2, crosses smoothed to their district', pipeline: { ...chosen, targetPrior: 'first-key' } },
  { name: 'D7 C2, 5 size bins', pipeline: { ...chosen, sizeBins: 5 } },
  { name: 'D8 C2, 20 size bins', pipeline: { ...chosen, sizeBins: 20 } },
  // E. Ablations of C2.
  { name: 'E1 C2 without engineered ratios', pipeline: { ...chosen, engineered: false } },
  { name: 'E2 C2 without floor number', pipeline: { ...chosen, floorNumber: false } },
  { name: 'E3 C2 with one-hot low-cardinality', pipeline: { ...chosen, lowCardinality: 'onehot' } },
  { name: 'E4 C2 with ordinal low-cardinality', pipeline: { ...chosen, lowCardinality: 'ordinal' } },
  { name: 'E5 C2 with crosses by frequency', pipeline: { ...chosen, crossEncoding: 'frequency' } },
  { name: 'E6 C2 with crosses by hashing', pipeline: { ...chosen, crossEncoding: 'hash' } },
  // H. High-cardinality columns (address, AdCreationDate, Subscription): absent
  // from the real file, so these differ from C2 only on data that has them
  // (run with --data on a synthetic file: mlops data generate).
  {
    name: 'H1 C2, high-cardinality by frequency, no ad month',
    pipeline: { ...chosen, highCardinality: 'frequency', adMonth: false },
  },
  {
    name: 'H2 C2, high-cardinality by hashing (32), no ad month',
    pipeline: { ...chosen, highCardinality: 'hash', adMonth: false },
  },
  { name: 'H3 C2, high-cardinality by target, no ad month', pipeline: { ...chosen, adMonth: false } },
  // F. Forest options on C2 (default: sqrt features per split, leaves of 1, balanced weights, 256 bins).
  ...(
    [
      ['F1 maxFeatures 2', { maxFeatures: 2 }],
      ['F2 maxFeatures 0.35', { maxFeatures: 0.35 }],
      ['F3 maxFeatures 0.5', { maxFeatures: 0.5 }],
      ['F4 maxFeatures all', { maxFeatures: 1 }],
      ['F5 minSamplesLeaf 2', { minSamplesLeaf: 2 }],
      ['F6 minSamplesLeaf 3, maxFeatures 0.5', { minSamplesLeaf: 3, maxFeatures: 0.5 }],
      ['F7 no class weights', { classWeight: null }],
      ['F8 balanced_subsample', { classWeight: 'balanced_subsample' }],
      ['F9 64 bins', { maxBins: 64 }],
      ['F10 300 trees', { nTrees: 300 }],
    ] as [string, ForestOptions][]
  ).map(([name, forest]) => ({ name, pipeline: chosen, forest })),
];

async function main(): Promise<void> {
  const { listings } = await loadRawListings(values.data!);
  const y = Uint8Array.from(listings, (l) => PRICE_CATEGORIES.indexOf(l.price_category));
  const folds = stratifiedKFold(y, Number(values.folds), Number(values.seed));
  const only = values.only?.split(',');
  const selected = only ? CANDIDATES.filter((c) => only.includes(c.name.split(' ')[0]!)) : CANDIDATES;
  const rows: Record<string, unknown>[] = [];
  process.stdout.write(
    '| configuration | features | accuracy | macro-F1 | ROC-AUC macro | forest fit s |\n|---|---|---|---|---|---|\n',
  );
  for (const candidate of selected) {
    const acc: number[] = [];
    const f1: number[] = [];
    const auc: number[] = [];
    const fit: number[] = [];
    let nFeatures = 0;
    for (const { train, test } of folds) {
      const trainRows = Array.from(train, (i) => listings[i]!);
      const yTrain = Uint8Array.from(train, (i) => y[i]!);
      const { pipeline, data } = FeaturePipeline.fitTransform(trainRows, yTrain, {
        seed: Number(values.seed),
        ...candidate.pipeline,
      });
      nFeatures = pipeline.nFeatures;
      const started = performance.now();
      const forest = await trainForest(data, yTrain, 3, {
        ...DEFAULT_TRAINING_FOREST_OPTIONS,
        nTrees: Number(values.trees),
        seed: Number(values.seed),
        ...candidate.forest,
      });
      fit.push((performance.now() - started) / 1000);
      const X = pipeline.transform(Array.from(test, (i) => listings[i]!));
      const m = classificationMetrics(
        Array.from(test, (i) => y[i]!),
        forest.predictProbaBatch(X),
        PRICE_CATEGORIES,
      );
      acc.push(m.accuracy);
      f1.push(m.macro_f1);
      auc.push(m.roc_auc_macro ?? Number.NaN);
    }
    process.stdout.write(
      `| ${candidate.name} | ${nFeatures} | ${fmt(acc)} | ${fmt(f1)} | ${fmt(auc)} | ${mean(fit).toFixed(2)} |\n`,
    );
    rows.push({
      ...candidate,
      features: nFeatures,
      accuracy: acc,
      macro_f1: f1,
      roc_auc_macro: auc,
      forest_fit_seconds: fit,
    });
  }
  if (!only) {
    await mkdir('bench/results', { recursive: true });
    await writeFile(
      'bench/results/feature-comparison.json',
      `${JSON.stringify({ data: values.data, folds: Number(values.folds), trees: Number(values.trees), seed: Number(values.seed), machine_load_average_at_end: loadavg(), rows }, null, 2)}\n`,
    );
  }
}

function mean(v: number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}
function fmt(v: number[]): string {
  const m = mean(v);
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, v.length - 1));
  return `${m.toFixed(4)} ± ${sd.toFixed(4)}`;
}

await main();
