/** Every service entry point refuses a bad configuration the same way: one message naming the variable, exit 2. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const services = ['registry', 'api', 'train', 'monitor'] as const;

describe.each(services)('packages/%s/src/main.ts', (service) => {
  it('stops with exit code 2 and a message naming the bad variable, without a stack trace', () => {
    const entry = fileURLToPath(new URL(`../packages/${service}/src/main.ts`, import.meta.url));
    const result = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), entry], {
      env: { ...process.env, MONITOR_INTERVAL: 'soon' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('MONITOR_INTERVAL="soon": expected a duration such as 10s, 5m or 1h');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});
