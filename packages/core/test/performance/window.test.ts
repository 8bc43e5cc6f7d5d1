import { describe, expect, it } from 'vitest';
import type { PriceCategory } from '../../src/constants.js';
import { loadConfig } from '../../src/config.js';
import { buildPerformanceProfile, modelPerformanceProfileSchema } from '../../src/performance/profile.js';
import {
  DEFAULT_PERFORMANCE_THRESHOLDS,
  evaluatePerformanceWindow,
  performanceThresholdsFromConfig,
} from '../../src/performance/window.js';
import { scoredRows } from './fixtures.js';

const heldOut = scoredRows(6000, 11, 2);
const profile = buildPerformanceProfile(heldOut.served, heldOut.truth);

describe('buildPerformanceProfile', () => {
  it('scores the served answers on the held-out rows and survives JSON', () => {
    expect(profile.heldOut.count).toBe(6000);
    expect(profile.calibrationError.after).toBeLessThan(profile.calibrationError.before);
    expect(modelPerformanceProfileSchema.parse(JSON.parse(JSON.stringify(profile)))).toEqual(profile);
  });
});

describe('evaluatePerformanceWindow', () => {
  it('stays quiet on a window like the held-out rows, with labels on some rows', () => {
    // Large enough that sampling noise (standard error about 0.01) stays well below the 0.03 threshold.
    const w = scoredRows(4000, 12, 2);
    const truth = w.truth.map((t, i) => (i % 2 === 0 ? t : null));
    const result = evaluatePerformanceWindow(
      { probabilities: w.served, predicted: w.predicted, truth },
      profile,
    );
    expect(result).toMatchObject({ rows: 4000, labelled: 2000, labelCoverage: 0.5 });
    expect(result.checks[0].standardError).toBeGreaterThan(0.009);
    expect(result.checks[0].standardError).toBeLessThan(0.012);
    expect(result.checks.map((c) => [c.name, c.status])).toEqual([
      ['performance.realized', 'ok'],
      ['performance.estimated', 'ok'],
    ]);
    expect(result.alerts).toEqual([]);
  });

  it('alerts on realized accuracy when the truth moved, and only with enough labels', () => {
    const w = scoredRows(1000, 13, 2);
    // Concept drift in miniature: a third of the truths rotate to another category.
    const rotate: Record<PriceCategory, PriceCategory> = { low: 'medium', medium: 'high', high: 'low' };
    const truth = w.truth.map((t, i) => (i % 3 === 0 ? rotate[t] : t));
    const result = evaluatePerformanceWindow(
      { probabilities: w.served, predicted: w.predicted, truth },
      profile,
    );
    expect(result.checks[0]).toMatchObject({ name: 'performance.realized', status: 'alert' });
    expect(result.checks[0].value).toBeGreaterThan(0.1);
    // The probabilities did not change, so the estimate cannot see it.
    expect(result.checks[1].status).toBe('ok');
    expect(result.alerts.map((a) => a.name)).toEqual(['performance.realized']);

    const few = truth.map((t, i) => (i < 100 ? t : null));
    const sparse = evaluatePerformanceWindow(
      { probabilities: w.served, predicted: w.predicted, truth: few },
      profile,
    );
    expect(sparse.checks[0].status).toBe('insufficient-data');
    expect(sparse.checks[0].note).toMatch(/needs 200 labelled rows/);
  });

  it('alerts on the estimate when the model grows unsure', () => {
    const unsure = scoredRows(1000, 14, 0.5);
    const result = evaluatePerformanceWindow(
      { probabilities: unsure.served, predicted: unsure.predicted, truth: unsure.truth.map(() => null) },
      profile,
    );
    expect(result.realized).toBeNull();
    expect(result.checks[0].status).toBe('n/a');
    expect(result.checks[1].status).toBe('alert');
  });

  it('reports an empty window as n/a and reads its thresholds from the configuration', () => {
    const empty = evaluatePerformanceWindow({ probabilities: [], predicted: [], truth: [] }, profile);
    expect(empty.checks.map((c) => c.status)).toEqual(['n/a', 'n/a']);
    expect(performanceThresholdsFromConfig(loadConfig({}))).toEqual(DEFAULT_PERFORMANCE_THRESHOLDS);
    const custom = loadConfig({ PERFORMANCE_REALIZED_DROP: '0.05', PERFORMANCE_MIN_LABELS: '50' });
    expect(performanceThresholdsFromConfig(custom)).toMatchObject({ realizedDrop: 0.05, minLabels: 50 });
    expect(() => loadConfig({ PERFORMANCE_MIN_LABELS: '0' })).toThrow(/PERFORMANCE_MIN_LABELS/);
  });
});
