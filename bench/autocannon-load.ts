/**
 * The load generator of the HTTP benchmarks: autocannon (a root devDependency, loaded through
 * require because it ships no ES module), and the POST /predict load the API benchmarks send.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { repositoryRoot } from './bench-server.js';
import type { Autocannon, AutocannonResult } from './load-summary.js';

/** autocannon, resolved from the repository root. */
export const autocannon = createRequire(join(repositoryRoot, 'package.json'))('autocannon') as Autocannon;

/** POST /predict on `url` for `seconds` at `connections`, cycling through the JSON `bodies`. */
export function predictLoad(
  url: string,
  bodies: string[],
  connections: number,
  seconds: number,
): Promise<AutocannonResult> {
  return autocannon({
    url: `${url}/predict`,
    connections,
    duration: seconds,
    requests: bodies.map((body) => ({
      method: 'POST',
      path: '/predict',
      body,
      headers: { 'content-type': 'application/json' },
    })),
  });
}

/**
 * The MLflow log-metric request the registry benchmarks repeat: 8 metric keys on `runId`, each
 * request one step further (autocannon calls setupRequest before every request).
 */
export function logMetricRequest(runId: string): Record<string, unknown> {
  let step = 0;
  return {
    method: 'POST',
    path: '/api/2.0/mlflow/runs/log-metric',
    headers: { 'content-type': 'application/json' },
    setupRequest: (request: Record<string, unknown>) => {
      step += 1;
      return {
        ...request,
        body: JSON.stringify({
          run_id: runId,
          key: `m${step % 8}`,
          value: step / 7,
          timestamp: Date.now(),
          step,
        }),
      };
    },
  };
}
