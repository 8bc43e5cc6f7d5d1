/**
 * Estimated vs realized accuracy on the synthetic performance scenarios, with
 * a small model trained here (no shared dataset): the estimate must follow
 * realized accuracy when only the listing mix moves, and must stay quiet,
 * like the drift checks, when the prices move under unchanged inputs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { PRICE_CATEGORIES, type PriceCategory } from '../../src/constants.js';
import { buildReferenceSnapshot, type ReferenceSnapshot } from '../../src/drift/reference.js';
import { evaluateDrift, summarizeProductionListings } from '../../src/drift/statistics.js';
import type { LabelledListing } from '../../src/listing/listing.js';
import { formatRawListingsCsv, parseRawListingsCsv } from '../../src/listing/raw-listings.js';
import type { Model } from '../../src/model/model.js';
import { trainModel } from '../../src/model/training.js';
import { estimatePerformance } from '../../src/performance/estimate.js';
import {
  buildPerformanceProfile,
  probabilityRows,
  type ModelPerformanceProfile,
} from '../../src/performance/profile.js';
import { realizedPerformance } from '../../src/performance/realized.js';
import { evaluatePerformanceWindow } from '../../src/performance/window.js';
import {
  generateScenarioListings,
  type PerformanceScenario,
} from '../../src/synthetic/performance-scenarios.js';

const WINDOW = 1000;
const WINDOW_SEEDS = [101, 102, 103, 104, 105];

function load(rows: number, seed: number, scenario: PerformanceScenario): LabelledListing[] {
  return parseRawListingsCsv(formatRawListingsCsv(generateScenarioListings({ rows, seed, scenario })))
    .listings;
}

interface WindowScore {
  listings: LabelledListing[];
  probabilities: number[][];
  predicted: PriceCategory[];
  realized: number;
  estimated: number;
  /** Binomial standard error of the realized accuracy given the estimate. */
  noise: number;
}

let model: Model;
let profile: ModelPerformanceProfile;
let reference: ReferenceSnapshot;

function scoreWindow(scenario: PerformanceScenario, seed: number): WindowScore {
  const listings = load(WINDOW, seed, scenario);
  const probabilities = probabilityRows(model.predictProbaBatch(listings));
  const predicted = probabilities.map((p) => PRICE_CATEGORIES[p.indexOf(Math.max(...p))]!);
  const realized = realizedPerformance(
    listings.map((l) => l.price_category),
    predicted,
  ).accuracy;
  const estimated = estimatePerformance(probabilities, predicted, profile.calibration).accuracy;
  return {
    listings,
    probabilities,
    predicted,
    realized,
    estimated,
    noise: Math.sqrt((estimated * (1 - estimated)) / WINDOW),
  };
}

beforeAll(async () => {
  const train = load(4000, 1, 'stable');
  const heldOut = load(3000, 2, 'stable');
  const result = await trainModel(train, {
    trees: 20,
    threads: 1,
    baseline: false,
    boosting: { iterations: 40 },
    evalListings: heldOut,
  });
  model = result.model;
  profile = buildPerformanceProfile(
    probabilityRows(model.predictProbaBatch(heldOut)),
    heldOut.map((l) => l.price_category),
  );
  reference = buildReferenceSnapshot(
    train,
    train.map((l) => l.price_category),
  );
}, 60_000);

describe.each(['stable', 'covariate-shift'] as const)('%s traffic', (scenario) => {
  it('estimated accuracy is within 0.02 of realized accuracy on 1,000-row windows', () => {
    const windows = WINDOW_SEEDS.map((seed) => scoreWindow(scenario, seed));
    const errors = windows.map((w) => w.estimated - w.realized);
    const meanAbsolute = errors.reduce((s, e) => s + Math.abs(e), 0) / errors.length;
    const pooled = errors.reduce((s, e) => s + e, 0) / errors.length;
    // On average over the windows, and pooled (5,000 rows), within the target.
    expect(meanAbsolute).toBeLessThanOrEqual(0.02);
    expect(Math.abs(pooled)).toBeLessThanOrEqual(0.02);
    // A single window's realized accuracy carries binomial noise of about 0.013 around what the
    // estimate predicts, so one window may miss 0.02 by chance; none may miss by 3 standard errors.
    for (const w of windows) expect(Math.abs(w.estimated - w.realized)).toBeLessThan(3 * w.noise);
  });
});

describe('concept drift (prices up 30 % in some districts, same listings)', () => {
  it('drops realized accuracy by clearly more than 0.03 while the estimate and the drift checks stay quiet', () => {
    const stable = WINDOW_SEEDS.map((seed) => scoreWindow('stable', seed));
    const drifted = WINDOW_SEEDS.map((seed) => scoreWindow('concept-drift', seed));
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const heldOut = profile.heldOut.accuracy;

    // Ground truth moved: realized accuracy falls well below held-out, in every window.
    expect(heldOut - mean(drifted.map((w) => w.realized))).toBeGreaterThan(0.05);
    for (const w of drifted) expect(heldOut - w.realized).toBeGreaterThan(0.03);

    // The inputs did not: the estimate is exactly that of the undrifted windows (same listings),
    // within the alert threshold of held-out, and so is blind to the drop.
    drifted.forEach((w, i) => expect(w.estimated).toBe(stable[i]!.estimated));
    expect(Math.abs(heldOut - mean(drifted.map((w) => w.estimated)))).toBeLessThan(0.02);

    for (const w of drifted) {
      // The drift checks see nothing either.
      const summary = summarizeProductionListings(reference, w.listings, w.predicted);
      const drift = evaluateDrift(reference, summary);
      expect(drift.status).toBe('ok');
      expect(drift.alerts).toEqual([]);
      // The performance checks: only the realized one, from feedback, alerts.
      const evaluation = evaluatePerformanceWindow(
        {
          probabilities: w.probabilities,
          predicted: w.predicted,
          truth: w.listings.map((l) => l.price_category),
        },
        profile,
      );
      expect(evaluation.alerts.map((a) => a.name)).toEqual(['performance.realized']);
    }
  });
});
