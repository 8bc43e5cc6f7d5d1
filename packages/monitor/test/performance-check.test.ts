import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { PRICE_CATEGORIES, type PriceCategory } from '@mlops/core';
import { DEFAULT_DRIFT_THRESHOLDS, buildReferenceSnapshot } from '@mlops/core/drift';
import { PRODUCTION_LOG_DDL } from '@mlops/core/listing';
import { DEFAULT_PERFORMANCE_THRESHOLDS, buildPerformanceProfile } from '@mlops/core/performance';
import { readPerformanceHistory, runDriftCheck } from '../src/check.js';
import { PERFORMANCE_PLOT_FILES } from '../src/performance-check.js';
import { readPerformanceWindow, summarizeLabelDelays } from '../src/performance-window.js';
import { productionLogPath } from '../src/production-window.js';
import { writeFeedback, writeProductionLog } from './production-log-fixture.js';
import { sampleLabel, sampleListing } from './sample-listings.js';

const root = mkdtempSync(join(tmpdir(), 'performance-check-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const START = Date.UTC(2024, 4, 1);
const id = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const other = (c: PriceCategory): PriceCategory => PRICE_CATEGORIES[(PRICE_CATEGORIES.indexOf(c) + 1) % 3]!;

/** A held-out profile of a model right 80 % of the time with confident (0.8) probabilities. */
function profile() {
  const probabilities: number[][] = [];
  const truth: PriceCategory[] = [];
  for (let i = 0; i < 1000; i++) {
    const predicted = sampleLabel(i);
    probabilities.push(PRICE_CATEGORIES.map((c) => (c === predicted ? 0.8 : 0.1)));
    truth.push(i % 5 === 0 ? other(predicted) : predicted);
  }
  return buildPerformanceProfile(probabilities, truth);
}

const listings = Array.from({ length: 600 }, (_, i) => sampleListing(i));
const reference = {
  ...buildReferenceSnapshot(
    listings,
    listings.map((_, i) => sampleLabel(i)),
  ),
  performance: profile(),
};

describe('readPerformanceWindow', () => {
  const path = join(root, 'window', 'predictions.db');
  writeProductionLog(
    path,
    Array.from({ length: 10 }, (_, i) => ({
      listing: sampleListing(i),
      prediction: sampleLabel(i),
      ts: START + i * 1000,
      modelVersion: i < 6 ? '1' : '2',
      predictionId: id(i),
    })),
  );
  writeFeedback(path, [
    { predictionId: id(1), trueCategory: 'high', receivedTs: START + 1000 + 60_000 },
    { predictionId: id(4), trueCategory: 'high', receivedTs: START + 4000 + 120_000 },
    { predictionId: id(8), trueCategory: 'low', receivedTs: START + 8000 + 5_000 },
  ]);

  it('joins each served row of the window with its feedback and measures the label delay', () => {
    const read = readPerformanceWindow(path, { modelVersion: '1' });
    expect(read.rows).toBe(6);
    expect(read.predicted).toEqual([0, 1, 2, 3, 4, 5].map(sampleLabel));
    expect(read.truth).toEqual([null, 'high', null, null, 'high', null]);
    expect(read.probabilities[0]).toEqual([0.8, 0.1, 0.1]);
    expect(read.labelDelaysMs).toEqual([60_000, 120_000]);
    expect(summarizeLabelDelays(read.labelDelaysMs)).toEqual({
      medianSeconds: 60,
      p90Seconds: 60,
      maxSeconds: 120,
    });
    expect(read.firstTs).toBe(START);
  });

  it('keeps the last N rows in time order, and time bounds', () => {
    expect(readPerformanceWindow(path, { lastRows: 3 }).truth).toEqual([null, 'low', null]);
    expect(readPerformanceWindow(path, { sinceMs: START + 8000 }).rows).toBe(2);
  });

  it('reads a log without feedback (or written before prediction ids) as a window without labels', () => {
    const old = join(root, 'old', 'predictions.db');
    writeProductionLog(old, [{ listing: sampleListing(0), prediction: 'low' }]);
    const read = readPerformanceWindow(old);
    expect(read).toMatchObject({ rows: 1, truth: [null], labelDelaysMs: [] });
    const legacy = join(root, 'legacy.db');
    const db = new Database(legacy);
    db.exec(PRODUCTION_LOG_DDL.replace(',\n  prediction_id TEXT', ''));
    db.close();
    expect(readPerformanceWindow(legacy)).toMatchObject({ logExists: true, rows: 0 });
    expect(readPerformanceWindow(join(root, 'missing.db'))).toMatchObject({ logExists: false, rows: 0 });
  });
});

describe('runDriftCheck with performance', () => {
  /** 1,000 served rows like the reference traffic (no drift), of which `labelled` got feedback. */
  function scenario(name: string, labelled: number, rightShare: number) {
    const dataDir = join(root, name);
    const rows = Array.from({ length: 1000 }, (_, i) => ({
      listing: sampleListing(i),
      prediction: sampleLabel(i),
      ts: START + i * 1000,
      predictionId: id(i),
    }));
    writeProductionLog(productionLogPath(dataDir), rows);
    writeFeedback(
      productionLogPath(dataDir),
      rows.slice(0, labelled).map((row, i) => ({
        predictionId: row.predictionId,
        trueCategory: (i % 100) / 100 < rightShare ? row.prediction : other(row.prediction),
        receivedTs: row.ts + 3_600_000,
      })),
    );
    return dataDir;
  }
  const thresholds = DEFAULT_PERFORMANCE_THRESHOLDS;

  it('fires performance.realized alone when the truth says the model is wrong, and recommends retraining', async () => {
    const dataDir = scenario('concept', 400, 0.5);
    const result = await runDriftCheck({
      dataDir,
      reference,
      now: new Date('2024-05-02T00:00:00Z'),
      performance: { thresholds },
    });
    const section = result.performance!;
    expect(section.status).toBe('evaluated');
    expect(section).toMatchObject({ rows: 1000, labelled: 400, labelCoverage: 0.4 });
    expect(section.realized!.accuracy).toBeCloseTo(0.5, 2);
    expect(section.heldOut!.accuracy).toBeCloseTo(0.8, 2);
    expect(section.labelDelay).toMatchObject({ medianSeconds: 3600 });
    // No drift in the listings; the realized drop alone recommends retraining.
    expect(result.alerts.map((a) => a.name)).toEqual(['performance.realized']);
    expect(result.alertCount).toBe(1);
    expect(DEFAULT_DRIFT_THRESHOLDS.minAlerts).toBe(2);
    expect(result.retrainRecommended).toBe(true);
    expect(result.status).toBe('drift');
    expect(result.headline).toMatch(/performance\.realized alert: accuracy 50\.0 % on 400 labelled rows/);
    expect(result.metrics).toMatchObject({
      'performance.realized_accuracy': expect.closeTo(0.5, 2),
      'labels.labelled_rows': 400,
      'label_delay.median_s': 3600,
      alert_count: 1,
    });
    expect(result.metrics.performance_realized_drop).toBeCloseTo(0.3, 2);
    expect(result.metrics['performance.estimated_accuracy']).toBeGreaterThan(0.7);
    for (const name of ['accuracy', 'confusion'] as const) {
      expect(readFileSync(section.plots[name]!).subarray(1, 4).toString('ascii')).toBe('PNG');
      expect(existsSync(join(dataDir, 'monitoring', 'plots', 'latest', PERFORMANCE_PLOT_FILES[name]))).toBe(
        true,
      );
    }
    const json = JSON.parse(readFileSync(result.reports.json, 'utf8'));
    expect(json.performance.realized.confusion).toEqual(section.realized!.confusion);
    expect(readPerformanceHistory(join(dataDir, 'monitoring', 'reports'))).toEqual([section.historyPoint]);
  });

  it('stays quiet when the feedback agrees with the held-out accuracy, and judges nothing on too few labels', async () => {
    const right = await runDriftCheck({
      dataDir: scenario('stable', 400, 0.8),
      reference,
      now: new Date('2024-05-02T00:00:00Z'),
      performance: { thresholds },
    });
    expect(right.performance!.checks.map((c) => c.status)).toEqual(['ok', 'ok']);
    expect(right.alerts).toEqual([]);
    expect(right.retrainRecommended).toBe(false);

    const few = await runDriftCheck({
      dataDir: scenario('few-labels', 50, 0.2),
      reference,
      now: new Date('2024-05-02T00:00:00Z'),
      performance: { thresholds },
    });
    expect(few.performance!.checks[0]).toMatchObject({
      name: 'performance.realized',
      status: 'insufficient-data',
    });
    expect(few.retrainRecommended).toBe(false);
    expect(few.performance!.plots.confusion).toBeDefined();
  });

  it('shows realized scores without alerts for a model trained before performance profiles', async () => {
    const { performance: _profile, ...withoutProfile } = reference;
    const result = await runDriftCheck({
      dataDir: scenario('no-profile', 300, 0.5),
      reference: withoutProfile,
      now: new Date('2024-05-02T00:00:00Z'),
      performance: { thresholds },
    });
    expect(result.performance).toMatchObject({ status: 'no-profile', labelled: 300, checks: [] });
    expect(result.performance!.realized!.accuracy).toBeCloseTo(0.5, 2);
    expect(result.alerts).toEqual([]);
  });
});
