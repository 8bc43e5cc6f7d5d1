/**
 * Two API replicas (the real entry point, as child processes) share one
 * PostgreSQL production log (PRODUCTION_LOG_URL), take predictions
 * concurrently over HTTP, and one drift check reads the rows of both.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_BUNDLE_FILE } from '@mlops/core';
import { buildReferenceSnapshot } from '@mlops/core/drift';
import { EXAMPLE_LISTING, PRODUCTION_LOG_TABLE } from '@mlops/core/listing';
import { readProductionWindow, runDriftCheck } from '@mlops/monitor';
import { ApiProcess } from '../../packages/api/test/api-process.js';
import { trainedBundle } from '../../packages/api/test/trained-bundles.js';
import { sampleLabel, sampleListing } from '../../packages/monitor/test/sample-listings.js';
import { freePort } from '../support/free-port.js';
import { startPostgres, type PostgresServer } from '../support/postgres-server.js';

interface Answer {
  address: string;
  category: string;
  version: string;
}

/** Sends `count` predictions, `concurrency` at a time, each with a unique address; returns the answers. */
async function predictMany(
  url: string,
  prefix: string,
  count: number,
  concurrency: number,
  headers: Record<string, string> = {},
): Promise<Answer[]> {
  const answers: Answer[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const address = `${prefix}-${next++}`;
      const response = await fetch(`${url}/predict`, {
        method: 'POST',
        body: JSON.stringify({ ...EXAMPLE_LISTING, address }),
        headers: { 'content-type': 'application/json', ...headers },
      });
      if (response.status !== 200) throw new Error(`${prefix}: status ${response.status}`);
      const body = (await response.json()) as { price_category: string; model_version: string };
      answers.push({ address, category: body.price_category, version: body.model_version });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return answers;
}

describe('API replicas sharing one PostgreSQL production log', () => {
  let server: PostgresServer;
  let dir: string;
  let url: string;
  let env: Record<string, string>;
  let client: pg.Client;

  beforeAll(async () => {
    server = await startPostgres();
    url = await server.createDatabase();
    client = new pg.Client({ connectionString: url });
    await client.connect();
    dir = mkdtempSync(join(tmpdir(), 'replicas-'));
    mkdirSync(join(dir, 'models'), { recursive: true });
    writeFileSync(join(dir, 'models', MODEL_BUNDLE_FILE), await trainedBundle());
    env = {
      MODEL_DIR: join(dir, 'models'),
      // Nothing listens there: both replicas serve the local bundle.
      REGISTRY_URL: `http://127.0.0.1:${await freePort()}`,
      MODEL_REFRESH_SECONDS: '3600',
      PRODUCTION_LOG_URL: url,
    };
  });
  afterEach(() => ApiProcess.killAll());
  afterAll(async () => {
    await client?.end();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function logged(): Promise<Map<string, { prediction: string; model_version: string; n: number }>> {
    const result = await client.query<{
      address: string;
      prediction: string;
      model_version: string;
      n: string;
    }>(
      `SELECT address, MIN(prediction) AS prediction, MIN(model_version) AS model_version, COUNT(*) AS n` +
        ` FROM ${PRODUCTION_LOG_TABLE} GROUP BY address`,
    );
    return new Map(result.rows.map((r) => [r.address, { ...r, n: Number(r.n) }]));
  }

  it('logs every answered prediction of both replicas exactly once; sync rows are visible at the answer; one drift check sees both', async () => {
    // Each replica has its own DATA_DIR: the only thing they share is the database.
    const [a, b] = await Promise.all([
      ApiProcess.start({ ...env, DATA_DIR: join(dir, 'a') }),
      ApiProcess.start({ ...env, DATA_DIR: join(dir, 'b') }),
    ]);
    const health = (await (await fetch(`${a.url}/health`)).json()) as {
      productionLog: { backend: string; url: string; path: string | null };
    };
    expect(health.productionLog).toMatchObject({ backend: 'postgresql', url, path: null });

    // A durable answer from either replica: its row is in the shared table the moment the answer arrives.
    for (const [api, name] of [
      [a, 'a'],
      [b, 'b'],
    ] as const) {
      const [answer] = await predictMany(api.url, `sync-${name}`, 1, 1, { 'x-log-durability': 'sync' });
      const row = (await logged()).get(answer!.address);
      expect(row).toMatchObject({ prediction: answer!.category, model_version: answer!.version, n: 1 });
    }

    // Concurrent load on both, asynchronous and durable requests mixed.
    const answers = (
      await Promise.all([
        predictMany(a.url, 'a', 600, 12),
        predictMany(b.url, 'b', 600, 12),
        predictMany(a.url, 'a-sync', 150, 4, { 'x-log-durability': 'sync' }),
        predictMany(b.url, 'b-sync', 150, 4, { 'x-log-durability': 'sync' }),
      ])
    ).flat();
    expect(answers).toHaveLength(1500);
    // A graceful stop commits what is still queued (SIGTERM: what a load balancer's rollout sends).
    expect((await a.kill('SIGTERM')).code).toBe(0);
    expect((await b.kill('SIGTERM')).code).toBe(0);

    const rows = await logged();
    expect(rows.size).toBe(1502);
    for (const answer of answers) {
      expect(rows.get(answer.address)).toEqual({
        address: answer.address,
        prediction: answer.category,
        model_version: answer.version,
        n: 1,
      });
    }

    // The monitor's check over the shared table: the window holds both replicas' rows.
    const referenceRows = Array.from({ length: 2000 }, (_, i) => sampleListing(i));
    const reference = buildReferenceSnapshot(
      referenceRows,
      referenceRows.map((_, i) => sampleLabel(i)),
    );
    const check = await runDriftCheck({
      dataDir: join(dir, 'monitor'),
      productionLogUrl: url,
      reference,
    });
    expect(check.window).toMatchObject({ rows: 1502, logExists: true, productionLog: url });
    expect(check.metrics.window_rows).toBe(1502);
    // The window (1502 rows) is smaller than the reference's 2000 addresses, so every address is read:
    // each replica's own are there.
    const window = await readProductionWindow({ dbPath: join(dir, 'unused.db'), url, reference });
    const addresses = window.categorical.address!.counts;
    expect(addresses.size).toBe(1502);
    for (const prefix of ['a-', 'b-', 'a-sync-', 'b-sync-', 'sync-a-', 'sync-b-']) {
      expect([...addresses.keys()].some((k) => k.startsWith(prefix))).toBe(true);
    }
  });

  it('refuses to start, naming PRODUCTION_LOG_URL without its password, when the server is unreachable', async () => {
    const port = await freePort();
    const start = ApiProcess.start({
      ...env,
      DATA_DIR: join(dir, 'c'),
      PRODUCTION_LOG_URL: `postgresql://api:hunter2@127.0.0.1:${port}/mlops`,
    });
    await expect(start).rejects.toThrow(
      new RegExp(
        `prediction API failed to start: cannot open the production log at PRODUCTION_LOG_URL=postgresql://api:\\*\\*\\*@127\\.0\\.0\\.1:${port}/mlops: .*ECONNREFUSED`,
      ),
    );
    await expect(start).rejects.not.toThrow(/hunter2/);
  });
});
