import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_BUNDLE_FILE } from '@mlops/core';
import { EXAMPLE_LISTING, PRODUCTION_LOG_FILE, PRODUCTION_LOG_TABLE } from '@mlops/core/listing';
import { ApiProcess, freePort } from './api-process.js';
import { trainedBundle } from './trained-bundles.js';

/**
 * Keeps `concurrency` POST /predict requests in flight, each with a unique address, until the server
 * stops answering; resolves with the addresses answered 200.
 */
async function loadUntilDown(url: string, prefix: string, concurrency: number): Promise<string[]> {
  const answered: string[] = [];
  let next = 0;
  const client = async () => {
    for (;;) {
      const address = `${prefix}-${next++}`;
      try {
        const response = await fetch(`${url}/predict`, {
          method: 'POST',
          body: JSON.stringify({ ...EXAMPLE_LISTING, address }),
          headers: { 'content-type': 'application/json' },
        });
        await response.arrayBuffer();
        if (response.status === 200) answered.push(address);
        else return;
      } catch {
        return; // connection refused or cut: the server is going away
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  return answered;
}

function loggedAddresses(dataDir: string): Set<string> {
  const db = new Database(join(dataDir, 'production', PRODUCTION_LOG_FILE), { readonly: true });
  try {
    const rows = db.prepare(`SELECT address FROM ${PRODUCTION_LOG_TABLE}`).all() as { address: string }[];
    return new Set(rows.map((row) => row.address));
  } finally {
    db.close();
  }
}

describe('production log when the process is signalled under load', () => {
  afterEach(() => ApiProcess.killAll());

  let dir: string;
  let dataDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'api-signals-'));
    dataDir = join(dir, 'data');
    mkdirSync(join(dir, 'models'), { recursive: true });
    writeFileSync(join(dir, 'models', MODEL_BUNDLE_FILE), await trainedBundle());
    env = {
      DATA_DIR: dataDir,
      MODEL_DIR: join(dir, 'models'),
      REGISTRY_URL: `http://127.0.0.1:${await freePort()}`,
      MODEL_REFRESH_SECONDS: '3600',
    };
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Ctrl-C in a terminal sends SIGINT to the whole foreground process group; a wrapper (pnpm, the
  // CLI, the stack) then passes on a signal of its own. Neither may cost an answered row.
  for (const [name, second] of [
    ['SIGINT to the group, then SIGTERM', 'SIGTERM'],
    ['SIGINT to the group, then SIGINT again', 'SIGINT'],
  ] as const) {
    it(`commits every answered row on ${name}`, async () => {
      const api = await ApiProcess.start(env, { ownProcessGroup: true });
      const prefix = `${second}-${Date.now()}`;
      const load = loadUntilDown(api.url, prefix, 32);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      // The wrapper's signal follows at once, while the first shutdown is still under way.
      process.kill(-api.child.pid!, 'SIGINT');
      api.child.kill(second);
      const [answered, exit] = await Promise.all([load, api.exited]);
      expect(answered.length).toBeGreaterThan(100);
      expect(exit, api.errorOutput).toEqual({ code: 0, signal: null });
      const logged = loggedAddresses(dataDir);
      const missing = answered.filter((address) => !logged.has(address));
      expect(missing, `${missing.length} of ${answered.length} answered rows missing`).toEqual([]);
    });
  }
});
