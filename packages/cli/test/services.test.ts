import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/free-port.js';

const cliMain = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('mlops registry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-registry-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves in the foreground until Ctrl-C, then exits 0', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), cliMain, 'registry'], {
      cwd: dir,
      env: { ...process.env, REGISTRY_PORT: String(port), REGISTRY_HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.status,
        () => 0,
      );
    }
    expect(status).toBe(200);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
