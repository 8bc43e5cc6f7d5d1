import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { buildReferenceSnapshot, writeReferenceSnapshot } from '@mlops/core';
import { monitorCommand, runMonitorOnce } from '../src/commands/monitor.js';
import { writeProductionLog } from '../../monitor/test/production-log-fixture.js';
import { sampleLabel, sampleListing } from '../../monitor/test/sample-listings.js';

const dataDir = mkdtempSync(join(tmpdir(), 'mlops-monitor-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

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

function capture() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const text = { out: '', err: '' };
  stdout.on('data', (chunk: Buffer) => (text.out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (text.err += chunk.toString()));
  return { io: { stdout, stderr }, text };
}

describe('mlops monitor --once', () => {
  it('prints exactly one JSON object with metrics, alerts, plot and report paths', async () => {
    const { io, text } = capture();
    expect(await runMonitorOnce({ once: true, json: true, dataDir }, io)).toBe(0);
    const lines = text.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0]!);
    expect(result.status).toBe('drift');
    expect(result.alerts.map((a: { name: string }) => a.name)).toEqual(['psi.district']);
    expect(result.metrics.window_rows).toBe(300);
    for (const path of [...Object.values(result.plots), ...Object.values(result.reports)]) {
      expect(existsSync(path as string)).toBe(true);
    }
  });

  it('prints the summary table with every check through the command', async () => {
    const { io, text } = capture();
    await monitorCommand(io).parseAsync(['--once', '--data-dir', dataDir], { from: 'user' });
    expect(process.exitCode ?? 0).toBe(0);
    expect(text.out).toMatch(/^Drift check .*: drift: 1 alert \(psi\.district\)/);
    expect(text.out).toMatch(/psi\.district +\d+\.\d{4} +> 0\.25 +ALERT/);
    expect(text.out).toContain('missing.address');
    expect(text.out).toContain('drift-history.png');
  });

  it('names the missing reference snapshot and exits 1', async () => {
    const { io, text } = capture();
    const missing = join(dataDir, 'nope.json');
    expect(await runMonitorOnce({ once: true, dataDir, reference: missing }, io)).toBe(1);
    expect(text.err).toContain(`reference snapshot ${missing} does not exist`);
    expect(text.out).toBe('');
  });
});
