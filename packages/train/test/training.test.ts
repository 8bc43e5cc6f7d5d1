import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, loadConfig, type Config } from '@mlops/core';
import { readReferenceSnapshot } from '@mlops/core/drift';
import { loadRawListings } from '@mlops/core/listing';
import { loadBundle, trainModel, type TrainingStage } from '@mlops/core/model';
import { writeSyntheticListings } from '@mlops/core/synthetic';
import type { PreprocessResult } from '@mlops/temporal';
import { preprocess } from '../src/preprocess.js';
import { checkpointDir, trainCandidate } from '../src/training.js';

const logger = createLogger({ name: 'training-test', level: 'silent' });

describe('trainCandidate', () => {
  let dir: string;
  let csv: string;
  let config: Config;
  const run = { workflowId: 'training-pipeline', runId: 'r1' };
  const input = { trigger: { reason: 'manual' as const }, trees: 6, seed: 8 };
  let prepared: PreprocessResult;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'train-training-'));
    config = loadConfig({ DATA_DIR: join(dir, 'data'), MODEL_DIR: join(dir, 'models'), LOG_LEVEL: 'warn' });
    csv = join(dir, 'listings.csv');
    await writeSyntheticListings(csv, { rows: 1200, seed: 6 });
    prepared = await preprocess({ config, logger }, { ...input, dataPath: csv }, run);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fits the same model as `mlops train` on the same file and seed, and records the fingerprint preprocessing logged', async () => {
    const reports: [number, number, TrainingStage][] = [];
    const trained = await trainCandidate({ config, logger }, input, prepared, run, {
      onProgress: (done, total, stage) => reports.push([done, total, stage]),
    });
    const bundle = await loadBundle(trained.bundlePath);
    // `mlops train --data <csv> --trees 6 --seed 8`: core's trainModel on every listing of the file.
    const local = await trainModel((await loadRawListings(csv)).listings, { trees: 6, seed: 8 });
    expect(bundle.pipeline).toEqual(local.bundle.pipeline);
    expect(bundle.forest).toEqual(local.bundle.forest);
    expect(bundle.boosting).toEqual(local.bundle.boosting);
    expect(bundle.memory).toEqual(local.bundle.memory);
    expect(bundle.metadata.metrics).toEqual(local.metrics);
    expect(bundle.metadata.dataFingerprint).toBe(local.bundle.metadata.dataFingerprint);
    expect(bundle.metadata.dataFingerprint).toBe(prepared.dataFingerprint);
    expect(bundle.metadata.workflowRunId).toBe('r1');

    expect(trained.metrics.macro_f1).toBe(local.metrics.macro_f1);
    expect(trained.metrics.low_f1).toBe(local.metrics.per_class.low!.f1);
    expect(trained.baselineMetrics.accuracy).toBe(local.baselineMetrics!.accuracy);
    expect(trained.resumedTrees).toBe(0);
    // Trees first (from 0: nothing to resume), then the boosting rounds.
    expect(reports[0]).toEqual([0, 6, 'forest']);
    expect(reports.filter(([, , stage]) => stage === 'forest').at(-1)).toEqual([6, 6, 'forest']);
    expect(reports.at(-1)?.[2]).toBe('boosting');

    // The local copy for the API's fallback; the run's checkpoints are gone.
    expect(readFileSync(join(config.MODEL_DIR, 'model.bundle.json'), 'utf8')).toBe(
      readFileSync(trained.bundlePath, 'utf8'),
    );
    expect(existsSync(checkpointDir(config.MODEL_DIR, run))).toBe(false);

    // The run's reference snapshot (and its copy for `mlops monitor --once`) now carries the
    // performance profile on the held-out side, whose scores are the run's metrics.
    const reference = readReferenceSnapshot(prepared.referencePath);
    expect(reference.performance?.heldOut.count).toBe(prepared.nTest);
    expect(reference.performance?.heldOut.accuracy).toBeCloseTo(trained.metrics.accuracy!, 12);
    expect(reference.performance?.heldOut.macroF1).toBeCloseTo(trained.metrics.macro_f1!, 12);
    expect(readFileSync(join(config.DATA_DIR, 'reference', 'reference.json'), 'utf8')).toBe(
      readFileSync(prepared.referencePath, 'utf8'),
    );
    expect(trained.metrics.calibration_ece_before).toBe(reference.performance?.calibrationError.before);
    expect(trained.metrics.calibration_ece_after).toBe(reference.performance?.calibrationError.after);
  });

  it('stops when its signal aborts', async () => {
    const abort = new AbortController();
    abort.abort(new Error('cancelled'));
    await expect(
      trainCandidate({ config, logger }, input, prepared, { ...run, runId: 'r2' }, { signal: abort.signal }),
    ).rejects.toThrow(/cancelled/);
  });
});
