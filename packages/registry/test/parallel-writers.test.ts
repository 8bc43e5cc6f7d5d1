/**
 * Concurrent writers over real HTTP (single metrics, batches, params and tags
 * on the same runs at once) lose nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempRegistry, type TempRegistry } from './temp-registry.js';

let registry: TempRegistry;
let url: string;
beforeAll(async () => {
  registry = await tempRegistry();
  url = await registry.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await registry.close();
});

async function post(endpoint: string, body: unknown): Promise<void> {
  const response = await fetch(`${url}/api/2.0/mlflow/${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 200) throw new Error(`${endpoint}: ${response.status} ${await response.text()}`);
  await response.arrayBuffer();
}

describe('parallel writers', () => {
  it('keep every metric, param and tag written concurrently to shared runs', async () => {
    const runIds: string[] = [];
    for (let i = 0; i < 2; i += 1) {
      const response = await fetch(`${url}/api/2.0/mlflow/runs/create`, {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/json' },
      });
      runIds.push(((await response.json()) as { run: { info: { run_id: string } } }).run.info.run_id);
    }
    const WRITERS = 24;
    const PER_WRITER = 60;
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        const runId = runIds[w % 2]!;
        for (let i = 0; i < PER_WRITER; i += 1) {
          if (i % 10 === 0) {
            // A batch: 5 metrics on the shared key, a param and a tag unique to this writer.
            await post('runs/log-batch', {
              run_id: runId,
              metrics: Array.from({ length: 5 }, (_, j) => ({
                key: 'shared',
                value: w * 1000 + i * 10 + j,
                timestamp: Date.now(),
                step: i,
              })),
              params: [{ key: `p${w}_${i}`, value: String(i) }],
              tags: [{ key: `t${w}`, value: String(i) }],
            });
          } else {
            await post('runs/log-metric', {
              run_id: runId,
              key: 'shared',
              value: w * 1000 + i * 10,
              timestamp: Date.now(),
              step: i,
            });
          }
        }
      }),
    );
    for (const [index, runId] of runIds.entries()) {
      const history = (await (
        await fetch(`${url}/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=shared`)
      ).json()) as { metrics: { value: number }[] };
      const writers = Array.from({ length: WRITERS }, (_, w) => w).filter((w) => w % 2 === index);
      const expected = new Set<number>();
      for (const w of writers) {
        for (let i = 0; i < PER_WRITER; i += 1) {
          if (i % 10 === 0) for (let j = 0; j < 5; j += 1) expected.add(w * 1000 + i * 10 + j);
          else expected.add(w * 1000 + i * 10);
        }
      }
      expect(history.metrics).toHaveLength(expected.size);
      expect(new Set(history.metrics.map((m) => m.value))).toEqual(expected);
      const run = (await (await fetch(`${url}/api/2.0/mlflow/runs/get?run_id=${runId}`)).json()) as {
        run: { data: { params: unknown[]; tags: { key: string }[] } };
      };
      expect(run.run.data.params).toHaveLength(writers.length * (PER_WRITER / 10));
      expect(run.run.data.tags.filter((t) => t.key.startsWith('t'))).toHaveLength(writers.length);
    }
  }, 60_000);
});
