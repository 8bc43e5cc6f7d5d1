import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { type PriceCategory } from '../../src/constants.js';
import { buildReferenceSnapshot } from '../../src/drift/reference.js';
import {
  DEFAULT_DRIFT_THRESHOLDS,
  PSI_EPSILON,
  driftHistoryPoint,
  driftMetrics,
  driftThresholdsFromConfig,
  evaluateDrift,
  jensenShannonDivergence,
  populationStabilityIndex,
  smoothedShares,
  summarizeProductionListings,
  type DriftEvaluation,
} from '../../src/drift/statistics.js';
import { type ListingRecord } from '../../src/listing/listing.js';

function listing(i: number, overrides: Partial<ListingRecord> = {}): ListingRecord {
  return {
    GrossSquareMeters: 50 + (i % 100) * 2,
    NetSquareMeters: 40 + (i % 100) * 1.5,
    BuildingAge: i % 30,
    NumberOfRooms: 1 + (i % 5),
    // 3 districts in shares 1/2, 1/3, 1/6.
    district: ['kadikoy', 'kadikoy', 'kadikoy', 'besiktas', 'besiktas', 'sisli'][i % 6]!,
    HeatingType: ['Kombi Doğalgaz', 'Merkezi Doğalgaz'][i % 2]!,
    StructureType: 'Betonarme',
    FloorLocation: `${i % 7}. Kat`,
    // 30 addresses, 10 rows each in a 300-row set.
    address: `Anasayfa > Satılık Daire > mahalle ${i % 30}`,
    AdCreationDate: '2022-02',
    Subscription: ['standard', 'premium'][i % 2]!,
    ...overrides,
  };
}

const LABELS: PriceCategory[] = ['low', 'low', 'medium', 'medium', 'high'];
const referenceRows = Array.from({ length: 300 }, (_, i) => listing(i));
const referenceLabels = referenceRows.map((_, i) => LABELS[i % 5]!);
const reference = buildReferenceSnapshot(referenceRows, referenceLabels);

function check(evaluation: DriftEvaluation, name: string) {
  const found = evaluation.checks.find((c) => c.name === name);
  if (!found) throw new Error(`no check ${name}`);
  return found;
}

describe('populationStabilityIndex', () => {
  it('matches a hand computation', () => {
    // Unsmoothed: e = (.5, .3, .2), a = (.3, .3, .4):
    // (.3-.5) ln(.3/.5) + 0 + (.4-.2) ln(.4/.2) = 0.2 * 0.5108256 + 0.2 * 0.6931472 = 0.2407946.
    expect(populationStabilityIndex([50, 30, 20], [30, 30, 40], 0)).toBeCloseTo(0.2407946, 6);
    // With the default epsilon the shares become (c/N + 1e-4) / 1.0003: 0.2406457 (computed the same way).
    expect(populationStabilityIndex([50, 30, 20], [30, 30, 40])).toBeCloseTo(0.2406457, 6);
  });

  it('smooths an empty reference bucket with epsilon instead of dividing by zero', () => {
    // e = (.5+1e-4, .5+1e-4, 1e-4) / 1.0003, a = (.25+1e-4, .25+1e-4, .5+1e-4) / 1.0003:
    // 2 * (-.25/1.0003) * ln(.2501/.5001) + (.5/1.0003) * ln(.5001/.0001) = 0.346370 + 4.257419 = 4.603789.
    expect(populationStabilityIndex([10, 10, 0], [5, 5, 10])).toBeCloseTo(4.603789, 5);
    expect(PSI_EPSILON).toBe(1e-4);
    const shares = smoothedShares([10, 10, 0]);
    expect(shares.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
  });

  it('is 0 for identical distributions, whatever the sample sizes', () => {
    expect(populationStabilityIndex([10, 10, 0], [10, 10, 0])).toBe(0);
    expect(populationStabilityIndex([3, 5, 7, 0], [30, 50, 70, 0])).toBeLessThan(1e-12);
  });

  it('refuses buckets that do not pair up or an empty side', () => {
    expect(() => populationStabilityIndex([1, 2], [1, 2, 3])).toThrow(/2 reference buckets but 3/);
    expect(() => populationStabilityIndex([0, 0], [1, 2])).toThrow(/sum to 0/);
  });
});

describe('jensenShannonDivergence', () => {
  it('matches hand computations (base 2)', () => {
    // P = (.5, .5), Q = (1, 0), M = (.75, .25):
    // KL(P||M) = .5 log2(.5/.75) + .5 log2(.5/.25) = 0.2075187; KL(Q||M) = log2(1/.75) = 0.4150375;
    // JSD = (0.2075187 + 0.4150375) / 2 = 0.3112781.
    expect(jensenShannonDivergence([1, 1], [1, 0])).toBeCloseTo(0.3112781, 6);
    // P = (.2, .4, .4), Q = (.4, .4, .2), M = (.3, .4, .3): both KLs are
    // .2 log2(.2/.3) + .4 log2(.4/.3) = 0.0490225, so JSD = 0.0490225.
    expect(jensenShannonDivergence([20, 40, 40], [40, 40, 20])).toBeCloseTo(0.0490225, 6);
  });

  it('is 0 for identical and 1 for disjoint distributions', () => {
    expect(jensenShannonDivergence([2, 4, 4], [20, 40, 40])).toBeCloseTo(0, 12);
    expect(jensenShannonDivergence([1, 0, 0], [0, 3, 1])).toBe(1);
  });
});

describe('evaluateDrift', () => {
  it('gives ~0 statistics, a cardinality ratio of 1 and no alert for production identical to the reference', () => {
    const production = summarizeProductionListings(reference, referenceRows, referenceLabels);
    const evaluation = evaluateDrift(reference, production);
    expect(evaluation.status).toBe('ok');
    expect(evaluation.alertCount).toBe(0);
    for (const c of evaluation.checks.filter((c) => c.metric === 'psi' || c.metric === 'prediction_jsd')) {
      expect(c.value, c.name).toBeLessThan(1e-12);
    }
    expect(check(evaluation, 'cardinality.address').value).toBeCloseTo(1, 12);
    expect(check(evaluation, 'unseen.district').value).toBe(0);
    expect(check(evaluation, 'missing.district').value).toBe(0);
  });

  it('alerts on a district shift and counts one alert', () => {
    // Production: 300 rows all in sisli (reference share 1/6).
    const rows = referenceRows.map((r) => ({ ...r, district: 'sisli' }));
    const evaluation = evaluateDrift(
      reference,
      summarizeProductionListings(reference, rows, referenceLabels),
    );
    // Buckets (kadikoy, besiktas, sisli, unseen): e = (150, 100, 50, 0)/300, a = (0, 0, 1, 0), smoothed with 1e-4.
    const expected = populationStabilityIndex([150, 100, 50, 0], [0, 0, 300, 0]);
    expect(check(evaluation, 'psi.district').value).toBeCloseTo(expected, 12);
    expect(check(evaluation, 'psi.district').status).toBe('alert');
    expect(evaluation.alerts.map((a) => a.name)).toEqual(['psi.district']);
    expect(evaluation.status).toBe('drift');
    expect(evaluation.retrainRecommended).toBe(false);
  });

  it('puts unseen categories in one bucket and reports their share', () => {
    // 60 of 300 production rows in a district the reference never saw, the rest as in the reference.
    const rows = referenceRows.map((r, i) => (i < 60 ? { ...r, district: 'adalar' } : r));
    const evaluation = evaluateDrift(
      reference,
      summarizeProductionListings(reference, rows, referenceLabels),
    );
    expect(check(evaluation, 'unseen.district').value).toBeCloseTo(60 / 300, 12);
    expect(check(evaluation, 'unseen.district').status).toBe('info');
    // Rows 0..59 cover each residue mod 6 ten times: kadikoy loses 30, besiktas 20, sisli 10.
    const expected = populationStabilityIndex([150, 100, 50, 0], [120, 80, 40, 60]);
    expect(check(evaluation, 'psi.district').value).toBeCloseTo(expected, 12);
  });

  it('computes the address cardinality ratio against a same-size reference sample', () => {
    // 100 production rows, each with a new address. Reference: 30 addresses x 10 rows (N = 300).
    // P(an address is absent from 100 of 300 rows) = prod_{i=0}^{9} (200 - i)/(300 - i) = 0.0160557,
    // so E[distinct in 100 reference rows] = 30 * (1 - 0.0160557) = 29.518329; ratio = 100 / 29.518329 = 3.387726.
    const rows = Array.from({ length: 100 }, (_, i) => listing(i, { address: `new street ${i}` }));
    const labels = rows.map((_, i) => LABELS[i % 5]!);
    const evaluation = evaluateDrift(reference, summarizeProductionListings(reference, rows, labels), {
      ...DEFAULT_DRIFT_THRESHOLDS,
      minSamples: 100,
    });
    const ratio = check(evaluation, 'cardinality.address');
    expect(ratio.value).toBeCloseTo(3.387726, 5);
    expect(ratio.status).toBe('alert');
  });

  it('compares a window larger than the reference at the reference size', () => {
    // 600 production rows drawn like the reference (30 addresses x 20), compared at n = 300 (the reference size).
    // Reference: a 300-row sample of itself has all 30 addresses. Production: an address is absent from a
    // 300-of-600 subsample with probability prod_{i=0}^{19} (300 - i)/(600 - i) = 6.874e-7, so the ratio is
    // 30 * (1 - 6.874e-7) / 30 = 0.99999931.
    const rows = Array.from({ length: 600 }, (_, i) => listing(i));
    const labels = rows.map((_, i) => LABELS[i % 5]!);
    const evaluation = evaluateDrift(reference, summarizeProductionListings(reference, rows, labels));
    const ratio = check(evaluation, 'cardinality.address');
    expect(ratio.value).toBeCloseTo(1 - 6.874e-7, 9);
    expect(ratio.note).toMatch(/compared at 300/);
  });

  it('measures prediction drift as base-2 JSD against the reference labels', () => {
    // Reference labels 40/40/20 %; predictions 10/30/60 %: M = (.25, .35, .4);
    // KL(P||M) = .1 log2(.4) + .3 log2(.3/.35) + .6 log2(1.5) = 0.152070,
    // KL(Q||M) = .4 log2(1.6) + .4 log2(.4/.35) + .2 log2(.5) = 0.148284; JSD = 0.150177 > 0.15.
    const predictions: PriceCategory[] = referenceRows.map((_, i) =>
      i % 10 === 0 ? 'low' : i % 10 < 4 ? 'medium' : 'high',
    );
    const evaluation = evaluateDrift(
      reference,
      summarizeProductionListings(reference, referenceRows, predictions),
    );
    const jsd = check(evaluation, 'prediction.jsd');
    expect(jsd.value).toBeCloseTo(0.150177, 5);
    expect(jsd.status).toBe('alert');
  });

  it('reports numeric PSI over the reference deciles, and the missing-rate change', () => {
    // Every production area beyond the reference's largest: all rows in the top bin.
    const rows = referenceRows.map((r, i) => ({ ...r, GrossSquareMeters: i % 3 === 0 ? null : 10_000 }));
    const evaluation = evaluateDrift(
      reference,
      summarizeProductionListings(reference, rows, referenceLabels),
    );
    const ref = reference.columns.GrossSquareMeters;
    const top = new Array<number>(ref.counts.length).fill(0);
    top[top.length - 1] = 200;
    expect(check(evaluation, 'psi.GrossSquareMeters').value).toBeCloseTo(
      populationStabilityIndex(ref.counts, top),
      12,
    );
    expect(check(evaluation, 'psi.GrossSquareMeters').status).toBe('alert');
    // 100 of 300 production rows missing, none in the reference: +0.3333.
    const missing = check(evaluation, 'missing.GrossSquareMeters');
    expect(missing.value).toBeCloseTo(1 / 3, 12);
    expect(missing.status).toBe('info');
    expect(missing.alerting).toBe(false);
  });

  it('raises no alert below DRIFT_MIN_SAMPLES rows, however large the shift', () => {
    const rows = Array.from({ length: 199 }, (_, i) =>
      listing(i, { district: 'sisli', address: `new ${i}`, GrossSquareMeters: 10_000 }),
    );
    const evaluation = evaluateDrift(
      reference,
      summarizeProductionListings(
        reference,
        rows,
        rows.map(() => 'high'),
      ),
    );
    expect(evaluation.status).toBe('insufficient-data');
    expect(evaluation.alerts).toEqual([]);
    expect(evaluation.alertCount).toBe(0);
    expect(evaluation.retrainRecommended).toBe(false);
    const psi = check(evaluation, 'psi.district');
    expect(psi.value).toBeGreaterThan(1);
    expect(psi.status).toBe('insufficient-data');
  });

  it('recommends retraining from DRIFT_MIN_ALERTS alerts on', () => {
    const rows = referenceRows.map((r, i) => ({ ...r, district: 'sisli', address: `new ${i}` }));
    const evaluation = evaluateDrift(
      reference,
      summarizeProductionListings(reference, rows, referenceLabels),
    );
    expect(evaluation.alerts.map((a) => a.name).sort()).toEqual(['cardinality.address', 'psi.district']);
    expect(evaluation.retrainRecommended).toBe(true);
    const metrics = driftMetrics(evaluation);
    expect(metrics.alert_count).toBe(2);
    expect(metrics.window_rows).toBe(300);
    expect(metrics['psi.district']).toBe(check(evaluation, 'psi.district').value);
    const point = driftHistoryPoint(evaluation, new Date('2024-05-01T00:00:00Z'));
    expect(point.checkedAt).toBe('2024-05-01T00:00:00.000Z');
    expect(point.values['cardinality.address']).toBeGreaterThan(1.3);
    expect(point.values['missing.district']).toBeUndefined();
  });

  it('marks the cardinality check n/a, not alerting, when the reference has no addresses (the real training file)', () => {
    const noAddress = referenceRows.map((r) => ({ ...r, address: null, Subscription: null }));
    const ref = buildReferenceSnapshot(noAddress, referenceLabels);
    const evaluation = evaluateDrift(ref, summarizeProductionListings(ref, referenceRows, referenceLabels));
    const ratio = check(evaluation, 'cardinality.address');
    expect(ratio.value).toBeNull();
    expect(ratio.status).toBe('n/a');
    expect(ratio.note).toMatch(/reference has no address values/);
    expect(check(evaluation, 'psi.Subscription').status).toBe('n/a');
    expect(check(evaluation, 'missing.address').value).toBe(-1);
    expect(evaluation.alertCount).toBe(0);
  });

  it('reads its thresholds from the configuration', () => {
    const thresholds = driftThresholdsFromConfig(
      loadConfig({ DRIFT_PSI_THRESHOLD: '0.1', DRIFT_MIN_SAMPLES: '50' }),
    );
    expect(thresholds).toEqual({
      psi: 0.1,
      cardinalityRatio: 1.3,
      predictionJsd: 0.15,
      minSamples: 50,
      minAlerts: 2,
    });
  });
});
