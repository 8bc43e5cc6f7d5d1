import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { REFERENCE_LISTING } from '../src/predictor.js';
import { ApiProcess, freePort } from './api-process.js';

const mainScript = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'main.ts');

describe('main.ts', () => {
  afterEach(() => ApiProcess.killAll());

  it('refuses a bad configuration with a message naming the variable, without a stack trace', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', mainScript], {
      env: { ...process.env, API_PORT: 'eighty', API_BATCH_LIMIT: '-3' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/API_PORT="eighty"/);
    expect(result.stderr).toMatch(/API_BATCH_LIMIT="-3"/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('listens without any model, answers 503 until one exists, and stops on SIGINT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'api-main-'));
    try {
      const port = await freePort();
      const api = await ApiProcess.start(
        {
          DATA_DIR: join(dir, 'data'),
          MODEL_DIR: join(dir, 'models'),
          REGISTRY_URL: `http://127.0.0.1:${port}`,
        },
        { ready: false },
      );
      const ready = await fetch(`${api.url}/ready`);
      expect(ready.status).toBe(503);
      const predict = await fetch(`${api.url}/predict`, {
        method: 'POST',
        body: JSON.stringify(REFERENCE_LISTING),
        headers: { 'content-type': 'application/json' },
      });
      expect(predict.status).toBe(503);
      expect(((await predict.json()) as { message: string }).message).toMatch(/^no model loaded/);
      type Health = { model: unknown; modelMessage: string; registry: { status: string } };
      let health = (await (await fetch(`${api.url}/health`)).json()) as Health;
      // The first registry poll (with its retry) may still be running.
      for (let i = 0; i < 100 && health.registry.status === 'unknown'; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        health = (await (await fetch(`${api.url}/health`)).json()) as Health;
      }
      expect(health.model).toBeNull();
      expect(health.registry.status).toBe('unreachable');
      expect(health.modelMessage).toMatch(/pnpm mlops train/);
      expect(await api.kill('SIGINT')).toEqual({ code: 0, signal: null });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
