import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_BUNDLE_FILE } from '@mlops/core';
import { PRODUCTION_LOG_FILE, PRODUCTION_LOG_TABLE, EXAMPLE_LISTING } from '@mlops/core/listing';
import { ApiProcess, freePort } from './api-process.js';
import { trainedBundle } from './trained-bundles.js';

const example = EXAMPLE_LISTING;

interface Acknowledged {
  address: string;
  seq: number;
  category: string;
  version: string;
}

/** Sends `count` predictions, `concurrency` at a time, each with a unique address; returns the 200s. */
async function predictMany(
  url: string,
  prefix: string,
  count: number,
  concurrency: number,
  headers: Record<string, string> = {},
  stopOnError = false,
): Promise<Acknowledged[]> {
  const acknowledged: Acknowledged[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const address = `${prefix}-${next++}`;
      try {
        const response = await fetch(`${url}/predict`, {
          method: 'POST',
          body: JSON.stringify({ ...example, address }),
          headers: { 'content-type': 'application/json', ...headers },
        });
        if (response.status !== 200) throw new Error(`status ${response.status}`);
        const body = (await response.json()) as { price_category: string; model_version: string };
        acknowledged.push({
          address,
          seq: Number(response.headers.get('x-log-seq')),
          category: body.price_category,
          version: body.model_version,
        });
      } catch (error) {
        if (stopOnError) return;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return acknowledged;
}

function loggedRows(dataDir: string): Map<string, { prediction: string; model_version: string }> {
  const db = new Database(join(dataDir, 'production', PRODUCTION_LOG_FILE), { readonly: true });
  try {
    const rows = db
      .prepare(`SELECT address, prediction, model_version FROM ${PRODUCTION_LOG_TABLE}`)
      .all() as {
      address: string;
      prediction: string;
      model_version: string;
    }[];
    return new Map(rows.map((row) => [row.address, row]));
  } finally {
    db.close();
  }
}

async function health(url: string): Promise<{ productionLog: { durableSeq: number; committed: number } }> {
  return (await (await fetch(`${url}/health`)).json()) as {
    productionLog: { durableSeq: number; committed: number };
  };
}

describe('production log across crashes of the real process', () => {
  afterEach(() => ApiProcess.killAll());

  let dir: string;
  let env: Record<string, string>;
  let dataDir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'api-crash-'));
    dataDir = join(dir, 'data');
    mkdirSync(join(dir, 'models'), { recursive: true });
    writeFileSync(join(dir, 'models', MODEL_BUNDLE_FILE), await trainedBundle());
    env = {
      DATA_DIR: dataDir,
      MODEL_DIR: join(dir, 'models'),
      // Nothing listens there: the service serves the local bundle.
      REGISTRY_URL: `http://127.0.0.1:${await freePort()}`,
      MODEL_REFRESH_SECONDS: '3600',
    };
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every row acknowledged by the durability watermark after SIGKILL', async () => {
    const api = await ApiProcess.start(env);
    try {
      const acknowledged = await predictMany(api.url, 'async', 400, 16);
      expect(acknowledged).toHaveLength(400);
      const highest = Math.max(...acknowledged.map((a) => a.seq));
      // The acknowledgement: /health says every row up to `highest` is committed.
      const deadline = Date.now() + 5000;
      while ((await health(api.url)).productionLog.durableSeq < highest && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect((await health(api.url)).productionLog.durableSeq).toBeGreaterThanOrEqual(highest);
    } finally {
      expect((await api.kill('SIGKILL')).signal).toBe('SIGKILL');
    }
    const rows = loggedRows(dataDir);
    const asyncRows = [...rows.keys()].filter((address) => address.startsWith('async-'));
    expect(asyncRows).toHaveLength(400);
  });

  it('keeps every row of a durable (x-log-durability: sync) answer when killed in the middle of a burst', async () => {
    const api = await ApiProcess.start(env);
    const burst = predictMany(api.url, 'sync', 100_000, 16, { 'x-log-durability': 'sync' }, true);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await api.kill('SIGKILL');
    const acknowledged = await burst;
    expect(acknowledged.length).toBeGreaterThan(50);
    const rows = loggedRows(dataDir);
    const missing = acknowledged.filter((a) => !rows.has(a.address));
    expect(missing).toEqual([]);
    for (const a of acknowledged) {
      expect(rows.get(a.address)).toEqual({
        address: a.address,
        prediction: a.category,
        model_version: a.version,
      });
    }
    // The first test's rows survived this restart and crash too.
    expect([...rows.keys()].filter((address) => address.startsWith('async-'))).toHaveLength(400);
  });

  it('flushes every answered row on SIGTERM and exits 0', async () => {
    const api = await ApiProcess.start(env);
    const acknowledged = await predictMany(api.url, 'graceful', 300, 16);
    // No waiting for the flush: the graceful shutdown must commit what is still queued.
    const exit = await api.kill('SIGTERM');
    expect(exit, api.errorOutput).toEqual({ code: 0, signal: null });
    const rows = loggedRows(dataDir);
    expect(acknowledged.filter((a) => !rows.has(a.address))).toEqual([]);
  });
});
