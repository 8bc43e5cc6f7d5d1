import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasStackTrace, runMlops, tempWorkspace } from './cli-process.js';

describe('mlops data generate', () => {
  const dir = tempWorkspace();

  it('writes the requested rows, the same bytes for the same seed', async () => {
    const a = await runMlops(['data', 'generate', '--rows', '200', '--seed', '4', '--out', 'a/x.csv'], dir);
    const b = await runMlops(['data', 'generate', '--rows', '200', '--seed', '4', '--out', 'b.csv'], dir);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(a.stdout).toMatch(/^wrote 200 listings to a\/x\.csv \(seed 4; low \d+, medium \d+, high \d+\)\n$/);
    const text = readFileSync(join(dir, 'a/x.csv'), 'utf8');
    expect(text.trim().split('\n')).toHaveLength(201);
    expect(text).toBe(readFileSync(join(dir, 'b.csv'), 'utf8'));
  });

  it('prints exactly one JSON object with --json, drift included', async () => {
    const run = await runMlops(
      [
        'data',
        'generate',
        '--rows',
        '50',
        '--seed',
        '1',
        '--out',
        'd.csv',
        '--drift',
        'price-shift',
        '--json',
      ],
      dir,
    );
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ rows: 50, seed: 1, drift: 'price-shift' });
    expect(Object.values(summary.label_counts as Record<string, number>).reduce((x, y) => x + y, 0)).toBe(50);
  });

  it('rejects an unknown drift scenario with exit code 2 and one line', async () => {
    const run = await runMlops(['data', 'generate', '--rows', '5', '--out', 'e.csv', '--drift', 'nope'], dir);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/--drift.*nope.*district-shift, unseen-addresses, price-shift/);
    expect(hasStackTrace(run.stderr)).toBe(false);
  });
});
