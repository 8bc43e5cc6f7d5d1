import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRawListings } from '@mlops/core/listing';
import { holdoutSplit } from '@mlops/core/model';
import { readReferenceSnapshot } from '@mlops/core/drift';
import { hasStackTrace, runMlops, tempWorkspace } from './cli-process.js';

const dir = tempWorkspace();

beforeAll(async () => {
  await runMlops(['data', 'generate', '--rows', '1500', '--seed', '7', '--out', 'train.csv'], dir);
  await runMlops(['data', 'generate', '--rows', '300', '--seed', '8', '--out', 'eval.csv'], dir);
});

describe('mlops train', () => {
  it('with --json prints exactly one JSON object on stdout and writes the bundle', async () => {
    const run = await runMlops(
      ['train', '--data', 'train.csv', '--trees', '15', '--seed', '3', '--json'],
      dir,
    );
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    const result = JSON.parse(run.stdout);
    for (const key of ['accuracy', 'macro_f1', 'roc_auc_macro', 'fit_seconds', 'n_train', 'n_eval']) {
      expect(typeof result[key]).toBe('number');
    }
    expect(result.n_train + result.n_eval).toBe(1500);
    // The content-hash hold-out (core's holdoutSplit, as the training workflow's): about 20 %.
    const held = holdoutSplit((await loadRawListings(join(dir, 'train.csv'))).listings);
    expect(result.n_eval).toBe(held.test.length);
    expect(result.n_eval / 1500).toBeGreaterThan(0.17);
    expect(result.n_eval / 1500).toBeLessThan(0.23);
    expect(result.accuracy).toBeGreaterThan(0.6);
    expect(result.baseline.accuracy).toBeGreaterThan(0.5);
    // Default output path: <MODEL_DIR>/model.bundle.json.
    expect(result.model_path).toBe(join(dir, 'models', 'model.bundle.json'));
    const bundle = JSON.parse(readFileSync(result.model_path, 'utf8'));
    expect(bundle).toMatchObject({
      kind: 'housing-price-model',
      formatVersion: 1,
      labels: ['low', 'medium', 'high'],
    });
    expect(bundle.metadata.metrics.accuracy).toBe(result.accuracy);
    // Not a terminal: no progress bar, only plain lines on stderr.
    expect(run.stderr).not.toMatch(/█|░/);
    expect(run.stderr).toContain(`trained 15 trees and 200 boosting rounds on ${held.train.length} listings`);
  });

  it('evaluates on --eval instead of a hold-out, and evaluate reproduces its metrics', async () => {
    const train = await runMlops(
      [
        'train',
        '--data',
        'train.csv',
        '--eval',
        'eval.csv',
        '--out',
        'm/model.json',
        '--trees',
        '10',
        '--json',
        '--no-checkpoints',
      ],
      dir,
    );
    expect(train.code).toBe(0);
    const trained = JSON.parse(train.stdout);
    expect(trained).toMatchObject({ n_train: 1500, n_eval: 300, evaluation: 'eval-set' });
    const evaluated = await runMlops(
      ['evaluate', '--model', 'm/model.json', '--data', 'eval.csv', '--json'],
      dir,
    );
    expect(evaluated.code).toBe(0);
    const metrics = JSON.parse(evaluated.stdout);
    expect(metrics.n_eval).toBe(300);
    expect(metrics.accuracy).toBe(trained.accuracy);
    expect(metrics.macro_f1).toBe(trained.macro_f1);
    expect(metrics.confusion_matrix).toEqual(trained.confusion_matrix);
  });

  it('prints a metrics table without --json', async () => {
    const run = await runMlops(
      ['train', '--data', 'train.csv', '--trees', '5', '--out', 't.json', '--no-checkpoints'],
      dir,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/accuracy\s+0\.\d{4}\s+0\.\d{4}/);
    expect(run.stdout).toMatch(/confusion matrix/);
  });

  it('fails with one line and exit code 1 for a missing or unusable data file', async () => {
    const missing = await runMlops(['train', '--data', 'absent.csv'], dir);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toBe('mlops: error: absent.csv does not exist\n');
    writeFileSync(join(dir, 'empty.csv'), '');
    const empty = await runMlops(['train', '--data', 'empty.csv', '--json'], dir);
    expect(empty.code).toBe(1);
    expect(empty.stdout).toBe('');
    expect(empty.stderr).toMatch(/^mlops: error: empty\.csv is empty/);
    expect(hasStackTrace(empty.stderr)).toBe(false);
  });

  it('rejects bad flags with exit code 2', async () => {
    const trees = await runMlops(['train', '--data', 'train.csv', '--trees', 'many'], dir);
    expect(trees.code).toBe(2);
    expect(trees.stderr).toMatch(/--trees.*expected an integer >= 1, got "many"/);
    const unknown = await runMlops(['train', '--data', 'train.csv', '--tress', '5'], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--tress'/);
    expect(existsSync(join(dir, 'absent'))).toBe(false);
  });

  it('writes the reference snapshot that monitor --once reads, so train then monitor works', async () => {
    const fresh = tempWorkspace('mlops-train-monitor-');
    try {
      await runMlops(['data', 'generate', '--rows', '800', '--seed', '11', '--out', 'listings.csv'], fresh);
      const before = await runMlops(['monitor', '--once'], fresh);
      expect(before.code).toBe(1);
      // The message names the commands that write the snapshot.
      expect(before.stderr).toMatch(/reference snapshot .* does not exist; .*mlops train --data/);
      expect(before.stderr).not.toMatch(/preprocessing writes it/);

      const train = await runMlops(['train', '--data', 'listings.csv', '--trees', '5', '--json'], fresh);
      expect(train.code, train.stderr).toBe(0);
      const result = JSON.parse(train.stdout);
      const referencePath = join(fresh, 'data', 'reference', 'reference.json');
      expect(result.reference_path).toBe(referencePath);
      expect(train.stderr).toContain(`the drift reference ${referencePath}`);
      // The snapshot summarises the rows the model was fitted on, not the hold-out.
      expect(readReferenceSnapshot(referencePath).rows).toBe(result.n_train);
      // ... and carries the model's performance profile on the hold-out, as the metrics are measured.
      const performance = readReferenceSnapshot(referencePath).performance!;
      expect(performance.heldOut.count).toBe(result.n_eval);
      expect(performance.heldOut.accuracy).toBeCloseTo(result.accuracy, 12);
      expect(result.calibration).toEqual({
        method: performance.calibration.method,
        ece_before: performance.calibrationError.before,
        ece_after: performance.calibrationError.after,
      });
      expect(train.stderr).toMatch(
        /calibration: (identity|temperature|isotonic), expected calibration error/,
      );

      const monitor = await runMlops(['monitor', '--once', '--json'], fresh);
      expect(monitor.code, monitor.stderr).toBe(0);
      const check = JSON.parse(monitor.stdout);
      expect(check.reference.path).toBe(referencePath);
      // Nothing served yet: the check runs and says there is too little production data.
      expect(check.metrics.window_rows).toBe(0);
      expect(hasStackTrace(monitor.stderr)).toBe(false);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  }, 180_000);
});
