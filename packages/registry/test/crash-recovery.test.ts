/**
 * Durability: a registry killed with SIGKILL in the middle of a write burst
 * restarts with every write it acknowledged (HTTP 200) present, and a database
 * that passes SQLite's integrity check.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { startRegistryProcess, stopRegistryProcess, type RegistryProcess } from './registry-process.js';
import { tempDir } from './temp-registry.js';

const dir = tempDir('registry-crash-');
const env = { REGISTRY_DB: join(dir, 'registry.db'), REGISTRY_ARTIFACT_ROOT: join(dir, 'mlruns') };
const running: RegistryProcess[] = [];

afterAll(async () => {
  for (const process of running) await stopRegistryProcess(process, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function post(url: string, endpoint: string, body: unknown): Promise<Response> {
  return fetch(`${url}/api/2.0/mlflow/${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('a registry killed with SIGKILL during a write burst', () => {
  it('restarts with every acknowledged metric present and an intact database', async () => {
    const first = await startRegistryProcess(env);
    running.push(first);
    const created = await (await post(first.url, 'runs/create', { run_name: 'burst' })).json();
    const runId = (created as { run: { info: { run_id: string } } }).run.info.run_id;

    // 16 writers log metric "burst" with step = their own sequence; each remembers what was acknowledged.
    const acknowledged = new Set<string>();
    let stop = false;
    const writer = async (id: number) => {
      for (let seq = 0; !stop && seq < 100_000; seq += 1) {
        try {
          const response = await post(first.url, 'runs/log-metric', {
            run_id: runId,
            key: `w${id}`,
            value: seq,
            timestamp: Date.now(),
            step: seq,
          });
          await response.arrayBuffer();
          if (response.status === 200) acknowledged.add(`w${id}:${seq}`);
        } catch {
          return; // the server died under us: this request was never acknowledged
        }
      }
    };
    const writers = Array.from({ length: 16 }, (_, id) => writer(id));
    // Kill once a good number of writes are in, while requests are still in flight.
    while (acknowledged.size < 1500) await new Promise((r) => setTimeout(r, 10));
    first.child.kill('SIGKILL');
    await Promise.all(writers);
    stop = true;
    await stopRegistryProcess(first, 'SIGKILL');
    expect(first.child.signalCode).toBe('SIGKILL');

    const second = await startRegistryProcess(env);
    running.push(second);
    const missing: string[] = [];
    let stored = 0;
    for (let id = 0; id < 16; id += 1) {
      const response = await fetch(
        `${second.url}/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=w${id}`,
      );
      const { metrics = [] } = (await response.json()) as { metrics?: { step: number; value: number }[] };
      stored += metrics.length;
      const steps = new Set(metrics.map((m) => m.step));
      for (const entry of acknowledged) {
        const [key, seq] = entry.split(':');
        if (key === `w${id}` && !steps.has(Number(seq))) missing.push(entry);
      }
      // Values are whole: each stored row is exactly what a writer sent.
      for (const m of metrics) expect(m.value).toBe(m.step);
    }
    console.info(`crash test: ${acknowledged.size} acknowledged, ${stored} stored after restart`);
    expect(missing).toEqual([]);
    expect(stored).toBeGreaterThanOrEqual(acknowledged.size);
    await stopRegistryProcess(second);

    const db = new BetterSqlite3(env.REGISTRY_DB, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const latest = db.prepare('SELECT COUNT(*) FROM latest_metrics WHERE run_id = ?').pluck().get(runId);
      expect(latest).toBe(16);
    } finally {
      db.close();
    }
  }, 120_000);
});
