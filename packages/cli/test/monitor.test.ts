import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { buildReferenceSnapshot, writeReferenceSnapshot } from '@mlops/core/drift';
import { runMonitorOnce } from '../src/commands/monitor.js';
import { writeProductionLog } from '../../monitor/test/production-log-fixture.js';
import { sampleLabel, sampleListing } from '../../monitor/test/sample-listings.js';
import { hasStackTrace, runMlops, tempWorkspace } from './cli-process.js';

// runMlops points DATA_DIR at <dir>/data.
const dir = tempWorkspace('mlops-monitor-');
const dataDir = join(dir, 'data');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const referenceRows = Array.from({ length: 600 }, (_, i) => sampleListing(i));
writeReferenceSnapshot(
  join(dataDir, 'reference', 'reference.json'),
  buildReferenceSnapshot(
    referenceRows,
    referenceRows.map((_, i) => sampleLabel(i)),
  ),
);
writeProductionLog(
  join(dataDir, 'production', 'predictions.db'),
  Array.from({ length: 300 }, (_, i) => ({
    listing: sampleListing(i, { district: 'sisli' }),
    prediction: sampleLabel(i),
  })),
);

describe('mlops monitor --once', () => {
  it('prints exactly one JSON object with metrics, alerts, plot and report paths', async () => {
    const run = await runMlops(['monitor', '--once', '--json'], dir);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0]!);
    expect(result.status).toBe('drift');
    expect(result.alerts.map((a: { name: string }) => a.name)).toEqual(['psi.district']);
    expect(result.metrics.window_rows).toBe(300);
    for (const path of [...Object.values(result.plots), ...Object.values(result.reports)]) {
      expect(existsSync(path as string)).toBe(true);
    }
  });

  it('prints the summary table with every check', async () => {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await runMonitorOnce({ once: true, dataDir }, { stdout, stderr: new PassThrough() });
    expect(out).toMatch(/^Drift check .*: drift: 1 alert \(psi\.district\)/);
    expect(out).toMatch(/psi\.district +\d+\.\d{4} +> 0\.25 +ALERT/);
    expect(out).toContain('missing.address');
    expect(out).toContain('drift-history.png');
  });

  it('names a missing reference snapshot in one line and exits 1', async () => {
    const run = await runMlops(['monitor', '--once', '--reference', 'nope.json'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^mlops: error: reference snapshot nope\.json does not exist/);
    expect(hasStackTrace(run.stderr)).toBe(false);
    expect(run.stdout).toBe('');
  });

  it('is a usage error without --once', async () => {
    const run = await runMlops(['monitor'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--once');
  });
});
