/**
 * Estimated (CBPE) vs realized accuracy per 1,000-row window, on three
 * scenarios, on the real 2022 listings and on synthetic ones:
 *
 *   pnpm bench:performance [--data CSV] [--trees 100] [--seeds 42,43,44] [--windows 10] [--synthetic-rows 20000]
 *
 * Each seed is one run (its own model, its own shifted windows); the summary
 * pools the windows of every run.
 *
 * Real listings (when the file exists; skipped otherwise): by content hash,
 * 60 % trains the model, 20 % is its held-out part (the profile: calibration
 * and held-out accuracy, as training makes it), 20 % is the traffic pool.
 * - (a) stable: the pool cut into consecutive 1,000-row windows;
 * - (b) covariate shift: windows drawn from the pool with replacement, weighted
 *   towards cheap districts (share of `low` in the district's training rows)
 *   and larger flats; labels untouched, so the pricing rules are the same;
 * - (c) concept drift: the stable windows with their labels moved the way a
 *   30 % price rise moves them in the synthetic market's concept-drift
 *   districts (the transition matrix low/medium/high -> new label measured on
 *   50,000 synthetic listings), since the real file has no prices to raise.
 * Synthetic: the model trained on 20,000 stable listings (its own 20 %
 * hold-out is the profile); `--windows` windows of each scenario of
 * core/synthetic's performance scenarios.
 *
 * Per window: realized accuracy, the calibrated estimate, the uncalibrated
 * estimate (the served probabilities as they are: the baseline), the binomial
 * standard error of realized accuracy around the estimate, and the drift
 * check's alert count. Per scenario: median and max absolute error, mean
 * error (bias), and the share of windows within 0.02. Writes
 * bench/results/performance-estimate.json. Target: within +-0.02 on (a), (b).
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { PRICE_CATEGORIES, type PriceCategory } from '@mlops/core';
import {
  buildReferenceSnapshot,
  evaluateDrift,
  summarizeProductionListings,
  type ReferenceSnapshot,
} from '@mlops/core/drift';
import {
  loadRawListings,
  parseRawListingsCsv,
  formatRawListingsCsv,
  type LabelledListing,
} from '@mlops/core/listing';
import { trainModel, type Model } from '@mlops/core/model';
import {
  estimatePerformance,
  probabilityRows,
  profileModel,
  realizedPerformance,
  type ModelPerformanceProfile,
} from '@mlops/core/performance';
import { listingHashPosition, Random, WeightedSampler } from '@mlops/core/sampling';
import {
  CONCEPT_DRIFT_DISTRICTS,
  generateScenarioListings,
  type PerformanceScenario,
} from '@mlops/core/synthetic';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/istanbul-2022/listings-train.csv' },
    trees: { type: 'string', default: '100' },
    seeds: { type: 'string', default: '42,43,44' },
    windows: { type: 'string', default: '10' },
    'synthetic-rows': { type: 'string', default: '20000' },
    out: { type: 'string', default: 'bench/results/performance-estimate.json' },
  },
});
const trees = Number(values.trees);
const seeds = values.seeds!.split(',').map(Number);
const nWindows = Number(values.windows);
const syntheticRows = Number(values['synthetic-rows']);
const WINDOW = 1000;
const TARGET = 0.02;

interface WindowResult {
  realized: number;
  estimated: number;
  uncalibrated: number;
  realized_macro_f1: number;
  estimated_macro_f1: number;
  /** Binomial standard error of realized accuracy given the estimate. */
  noise: number;
  drift_alerts: number;
}

function argmaxCategory(row: readonly number[]): PriceCategory {
  let best = 0;
  for (let c = 1; c < row.length; c++) if (row[c]! > row[best]!) best = c;
  return PRICE_CATEGORIES[best]!;
}

function scoreWindow(
  model: Model,
  profile: ModelPerformanceProfile,
  reference: ReferenceSnapshot,
  window: readonly LabelledListing[],
): WindowResult {
  const probabilities = probabilityRows(model.predictProbaBatch(window));
  const predicted = probabilities.map(argmaxCategory);
  const realized = realizedPerformance(
    window.map((l) => l.price_category),
    predicted,
  );
  const estimated = estimatePerformance(probabilities, predicted, profile.calibration);
  const uncalibrated = estimatePerformance(probabilities, predicted, undefined);
  const drift = evaluateDrift(reference, summarizeProductionListings(reference, window, predicted));
  return {
    realized: realized.accuracy,
    estimated: estimated.accuracy,
    uncalibrated: uncalibrated.accuracy,
    realized_macro_f1: realized.macroF1,
    estimated_macro_f1: estimated.macroF1,
    noise: Math.sqrt((estimated.accuracy * (1 - estimated.accuracy)) / window.length),
    drift_alerts: drift.alertCount,
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

function summarise(windows: WindowResult[], heldOut: number) {
  const errors = windows.map((w) => w.estimated - w.realized);
  const raw = windows.map((w) => w.uncalibrated - w.realized);
  const f1 = windows.map((w) => w.estimated_macro_f1 - w.realized_macro_f1);
  return {
    windows: windows.length,
    held_out_accuracy: heldOut,
    mean_realized: mean(windows.map((w) => w.realized)),
    mean_estimated: mean(windows.map((w) => w.estimated)),
    median_abs_error: median(errors.map(Math.abs)),
    max_abs_error: Math.max(...errors.map(Math.abs)),
    mean_error: mean(errors),
    within_target: errors.filter((e) => Math.abs(e) <= TARGET).length / errors.length,
    median_noise: median(windows.map((w) => w.noise)),
    uncalibrated_median_abs_error: median(raw.map(Math.abs)),
    uncalibrated_max_abs_error: Math.max(...raw.map(Math.abs)),
    macro_f1_median_abs_error: median(f1.map(Math.abs)),
    median_drift_alerts: median(windows.map((w) => w.drift_alerts)),
    realized_drop_from_held_out: heldOut - mean(windows.map((w) => w.realized)),
    estimated_drop_from_held_out: heldOut - mean(windows.map((w) => w.estimated)),
    per_window: windows,
  };
}

function chunks<T>(rows: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i + size <= rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

function parseRows(scenario: PerformanceScenario, rows: number, rowSeed: number): LabelledListing[] {
  return parseRawListingsCsv(
    formatRawListingsCsv(generateScenarioListings({ rows, seed: rowSeed, scenario })),
  ).listings;
}

/** P(label after the price rise | label before) in the concept-drift districts of the synthetic market. */
function conceptDriftTransitions(): number[][] {
  const before = generateScenarioListings({ rows: 50_000, seed: 777, scenario: 'stable' });
  const after = generateScenarioListings({ rows: 50_000, seed: 777, scenario: 'concept-drift' });
  const moved = new Set<string>(CONCEPT_DRIFT_DISTRICTS);
  const counts = PRICE_CATEGORIES.map(() => PRICE_CATEGORIES.map(() => 0));
  before.forEach((row, i) => {
    if (!moved.has(row.district ?? '')) return;
    const from = PRICE_CATEGORIES.indexOf(row.price_category as PriceCategory);
    const to = PRICE_CATEGORIES.indexOf(after[i]!.price_category as PriceCategory);
    counts[from]![to]!++;
  });
  return counts.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((n) => n / total);
  });
}

function relabel(
  window: readonly LabelledListing[],
  transitions: number[][],
  random: Random,
): LabelledListing[] {
  const moved = new Set<string>(CONCEPT_DRIFT_DISTRICTS);
  return window.map((l) => {
    if (!moved.has(l.district ?? '')) return l;
    const row = transitions[PRICE_CATEGORIES.indexOf(l.price_category)]!;
    const u = random.nextFloat();
    let to = 0;
    let acc = row[0]!;
    while (u > acc && to < row.length - 1) acc += row[++to]!;
    return { ...l, price_category: PRICE_CATEGORIES[to]! };
  });
}

type ScenarioWindows = Record<PerformanceScenario, WindowResult[]>;

function profileSummary(profile: ModelPerformanceProfile) {
  return {
    held_out_accuracy: profile.heldOut.accuracy,
    held_out_macro_f1: profile.heldOut.macroF1,
    calibration: profile.calibration.method,
    candidates: profile.calibration.selection?.candidates,
    ece_before: profile.calibrationError.before,
    ece_after: profile.calibrationError.after,
  };
}

async function realListings(transitions: number[][], seed: number) {
  if (!existsSync(values.data!)) {
    process.stderr.write(`${values.data} is absent: real-listing scenarios skipped\n`);
    return null;
  }
  const all = (await loadRawListings(values.data!)).listings;
  const heldOut: LabelledListing[] = [];
  const pool: LabelledListing[] = [];
  const train: LabelledListing[] = [];
  for (const l of all) {
    const h = listingHashPosition(l);
    (h < 0.2 ? heldOut : h < 0.4 ? pool : train).push(l);
  }
  const started = performance.now();
  const { model } = await trainModel(train, { trees, seed, evalListings: heldOut, baseline: false });
  const random = new Random(seed);
  process.stderr.write(
    `real: trained on ${train.length} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
  const profile = profileModel(model, heldOut);
  const reference = buildReferenceSnapshot(
    train,
    train.map((l) => l.price_category),
  );

  const stableWindows = chunks(pool, WINDOW);
  // Covariate shift: cheap districts and large flats over-represented, labels as they are.
  const lowShare = new Map<string, [number, number]>();
  for (const l of train) {
    const entry = lowShare.get(l.district ?? '') ?? [0, 0];
    entry[0] += l.price_category === 'low' ? 1 : 0;
    entry[1] += 1;
    lowShare.set(l.district ?? '', entry);
  }
  const areas = pool
    .map((l) => l.GrossSquareMeters ?? 0)
    .filter((a) => a > 0)
    .sort((a, b) => a - b);
  const medianArea = areas[areas.length >> 1]!;
  const weights = pool.map((l) => {
    const [low, n] = lowShare.get(l.district ?? '') ?? [0, 1];
    const area = l.GrossSquareMeters ?? medianArea;
    return (0.1 + low / n) ** 2 * Math.sqrt(Math.min(4, Math.max(0.25, area / medianArea)));
  });
  const sampler = new WeightedSampler(weights);
  const shiftedWindows = Array.from({ length: Math.max(nWindows, stableWindows.length) }, () =>
    Array.from({ length: WINDOW }, () => pool[sampler.sample(random)]!),
  );
  const driftedWindows = stableWindows.map((w) => relabel(w, transitions, random));

  const score = (windows: LabelledListing[][]) =>
    windows.map((w) => scoreWindow(model, profile, reference, w));
  const windows: ScenarioWindows = {
    stable: score(stableWindows),
    'covariate-shift': score(shiftedWindows),
    'concept-drift': score(driftedWindows),
  };
  return { rows: { train: train.length, held_out: heldOut.length, pool: pool.length }, profile, windows };
}

async function syntheticListings(seed: number) {
  const all = parseRows('stable', syntheticRows, seed);
  const started = performance.now();
  const result = await trainModel(all, { trees, seed, baseline: false });
  process.stderr.write(
    `synthetic: trained on ${result.nTrain} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
  const profile = profileModel(result.model, result.testSet!);
  const reference = buildReferenceSnapshot(
    result.trainSet,
    result.trainSet.map((l) => l.price_category),
  );
  const windows = {} as ScenarioWindows;
  for (const scenario of ['stable', 'covariate-shift', 'concept-drift'] as const) {
    windows[scenario] = Array.from({ length: nWindows }, (_, i) =>
      scoreWindow(result.model, profile, reference, parseRows(scenario, WINDOW, seed * 1000 + i)),
    );
  }
  return { rows: { train: result.nTrain, held_out: result.nEval, window: WINDOW }, profile, windows };
}

/** Runs one data source for every seed and pools each scenario's windows across the runs. */
async function overSeeds(
  run: (
    seed: number,
  ) => Promise<{ rows: object; profile: ModelPerformanceProfile; windows: ScenarioWindows } | null>,
) {
  const runs: { seed: number; rows: object; profile: ModelPerformanceProfile; windows: ScenarioWindows }[] =
    [];
  for (const seed of seeds) {
    const r = await run(seed);
    if (!r) return null;
    runs.push({ seed, ...r });
  }
  const heldOut = median(runs.map((r) => r.profile.heldOut.accuracy));
  const scenarios = Object.fromEntries(
    (['stable', 'covariate-shift', 'concept-drift'] as const).map((scenario) => [
      scenario,
      // Drops are against the runs' median held-out accuracy (the runs differ by about 0.005).
      summarise(
        runs.flatMap((r) => r.windows[scenario]),
        heldOut,
      ),
    ]),
  );
  return {
    rows: runs[0]!.rows,
    runs: runs.map((r) => ({ seed: r.seed, profile: profileSummary(r.profile) })),
    profile: {
      held_out_accuracy: heldOut,
      calibration: runs.map((r) => r.profile.calibration.method).join(', '),
      ece_before: median(runs.map((r) => r.profile.calibrationError.before)),
      ece_after: median(runs.map((r) => r.profile.calibrationError.after)),
    },
    scenarios,
  };
}

const startedAt = new Date().toISOString();
const loadAtStart = loadavg();
const transitions = conceptDriftTransitions();
const real = await overSeeds((seed) => realListings(transitions, seed));
const synthetic = await overSeeds(syntheticListings);

const fmt = (x: number) => x.toFixed(4);
for (const [name, part] of [
  ['real', real],
  ['synthetic', synthetic],
] as const) {
  if (!part) continue;
  const p = part.profile;
  process.stdout.write(
    `\n${name}: held-out accuracy ${fmt(p.held_out_accuracy)} (median of ${seeds.length} runs), calibration ${p.calibration}, ECE ${fmt(p.ece_before)} -> ${fmt(p.ece_after)}\n`,
  );
  for (const [scenario, s] of Object.entries(part.scenarios)) {
    process.stdout.write(
      `  ${scenario.padEnd(16)} ${String(s.windows).padStart(3)} windows: realized ${fmt(s.mean_realized)} estimated ${fmt(s.mean_estimated)} | ` +
        `|error| median ${fmt(s.median_abs_error)} max ${fmt(s.max_abs_error)} bias ${fmt(s.mean_error)} within 0.02 ${(100 * s.within_target).toFixed(0)} % ` +
        `(noise ${fmt(s.median_noise)}; uncalibrated median ${fmt(s.uncalibrated_median_abs_error)}) drift alerts ${s.median_drift_alerts}\n`,
    );
  }
}

const result = {
  benchmark: 'performance-estimate',
  command: `pnpm bench:performance --data ${values.data} --trees ${trees} --seeds ${seeds.join(',')} --windows ${nWindows} --synthetic-rows ${syntheticRows}`,
  started_at: startedAt,
  machine: {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memory_gib: totalmem() / 2 ** 30,
    node: process.version,
    load_average_at_start: loadAtStart,
  },
  window_rows: WINDOW,
  target_abs_error: TARGET,
  concept_drift_transitions: { districts: CONCEPT_DRIFT_DISTRICTS, matrix: transitions },
  real,
  synthetic,
};
await mkdir(dirname(values.out!), { recursive: true });
await writeFile(values.out!, `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`\nwrote ${values.out}\n`);
