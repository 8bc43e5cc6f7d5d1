/**
 * Prediction API benchmark: POST /predict throughput and latency at a fixed number of connections,
 * against the real service (packages/api/src/main.ts, production log on, a model trained on
 * synthetic listings), with a plain Fastify server answering the same request as the ceiling.
 *
 *   pnpm bench:api [--runs 3] [--duration 10] [--connections 20] [--request-log-runs 1] [--out FILE]
 *
 * Servers run as child processes; the load generator (autocannon) runs in this process; both share
 * the machine's cores, so the hello-world rate is the physical ceiling of this setup. Rounds alternate
 * hello / predict so both see the same background load; the result is the median over rounds. Server
 * CPU per request (from /proc) is reported too: it does not depend on what else the machine runs.
 * Writes bench/results/api.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { MODEL_BUNDLE_FILE } from '@mlops/core';
import { PRODUCTION_LOG_FILE, PRODUCTION_LOG_TABLE } from '@mlops/core/listing';
import { freePort } from '../test/support/free-port.js';
import { writeBenchBundle } from './api-bench-model.js';
import { predictLoad } from './autocannon-load.js';
import {
  repositoryRoot as root,
  startBenchServer,
  stopBenchServer,
  type BenchServer,
} from './bench-server.js';
import { median } from './load-summary.js';
import { predictRequestBodies as requestBodies } from './predict-requests.js';
import { cpuSeconds } from './process-cpu.js';
// better-sqlite3 is a dependency of the api package, not of the repository root.
interface ReadonlyDatabase {
  prepare(sql: string): { get(): unknown };
  close(): void;
}
const Database = createRequire(join(root, 'packages', 'api', 'package.json'))('better-sqlite3') as new (
  path: string,
  options: { readonly: boolean },
) => ReadonlyDatabase;

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    'request-log-runs': { type: 'string', default: '1' },
    out: { type: 'string', default: join(root, 'bench', 'results', 'api.json') },
  },
});
const runs = Number(values.runs);
const duration = Number(values.duration);
const connections = Number(values.connections);
const warmup = Number(values.warmup);
const requestLogRuns = Number(values['request-log-runs']);

const TARGET = { requestsPerSecond: 5000, p99Ms: 10 };

interface Server extends BenchServer {
  name: string;
}

async function startServer(
  name: string,
  script: string,
  env: Record<string, string>,
  readyPath: string,
): Promise<Server> {
  return { name, ...(await startBenchServer(script, { ...env, LOG_FORMAT: 'json' }, readyPath)) };
}

const stopServer = stopBenchServer;

interface Measurement {
  server: string;
  round: number;
  requestsPerSecond: number;
  totalRequests: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  errors: number;
  serverCpuMicrosPerRequest: number | null;
  loadAverage1mBefore: number;
}

async function measure(
  server: Server,
  bodies: string[],
  round: number,
  seconds: number,
): Promise<Measurement> {
  const load = loadavg()[0]!;
  const cpuBefore = cpuSeconds(server.child.pid);
  const result = await predictLoad(server.url, bodies, connections, seconds);
  const cpuAfter = cpuSeconds(server.child.pid);
  const ok = result.requests.total - result.non2xx;
  return {
    server: server.name,
    round,
    requestsPerSecond: result.requests.average,
    totalRequests: result.requests.total,
    p50Ms: result.latency.p50,
    p90Ms: result.latency.p90,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    serverCpuMicrosPerRequest:
      cpuBefore === null || cpuAfter === null || ok === 0 ? null : ((cpuAfter - cpuBefore) / ok) * 1e6,
    loadAverage1mBefore: load,
  };
}

function summarize(measurements: Measurement[]) {
  const pick = (key: keyof Measurement) => median(measurements.map((m) => Number(m[key] ?? Number.NaN)));
  return {
    rounds: measurements.length,
    requestsPerSecond: Math.round(pick('requestsPerSecond')),
    p50Ms: pick('p50Ms'),
    p90Ms: pick('p90Ms'),
    p99Ms: pick('p99Ms'),
    serverCpuMicrosPerRequest: Math.round(pick('serverCpuMicrosPerRequest')),
    non2xx: measurements.reduce((sum, m) => sum + m.non2xx, 0),
    errors: measurements.reduce((sum, m) => sum + m.errors, 0),
  };
}

function countLoggedRows(dataDir: string): number {
  const db = new Database(join(dataDir, 'production', PRODUCTION_LOG_FILE), { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${PRODUCTION_LOG_TABLE}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'api-bench-'));
  const servers: Server[] = [];
  try {
    const modelDir = join(work, 'models');
    mkdirSync(modelDir, { recursive: true });
    process.stderr.write('training the benchmark model on synthetic listings...\n');
    const model = await writeBenchBundle(join(modelDir, MODEL_BUNDLE_FILE));
    const bodies = requestBodies(512);
    const deadRegistry = `http://127.0.0.1:${await freePort()}`;
    const apiEnv = (dataDir: string, requestLog: boolean) => ({
      MODEL_DIR: modelDir,
      DATA_DIR: dataDir,
      // No registry: the service falls back to the local bundle and keeps polling a closed port.
      REGISTRY_URL: deadRegistry,
      MODEL_REFRESH_SECONDS: '3600',
      LOG_LEVEL: requestLog ? 'info' : 'warn',
      API_REQUEST_LOG: requestLog ? 'true' : 'false',
    });

    const hello = await startServer('hello-world', 'bench/api-hello-server.ts', {}, '/ready');
    servers.push(hello);
    const apiData = join(work, 'data');
    const api = await startServer('predict', 'packages/api/src/main.ts', apiEnv(apiData, false), '/ready');
    servers.push(api);

    process.stderr.write(`warming up (${warmup} s each)...\n`);
    await measure(hello, bodies, 0, warmup);
    await measure(api, bodies, 0, warmup);

    const measurements: Measurement[] = [];
    for (let round = 1; round <= runs; round += 1) {
      for (const server of round % 2 === 1 ? [hello, api] : [api, hello]) {
        const m = await measure(server, bodies, round, duration);
        measurements.push(m);
        process.stderr.write(
          `round ${round} ${m.server}: ${Math.round(m.requestsPerSecond)} req/s, p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms, ` +
            `server CPU ${m.serverCpuMicrosPerRequest?.toFixed(0)} us/req, load ${m.loadAverage1mBefore.toFixed(2)}\n`,
        );
      }
    }
    // Every prediction the service served must be in its production log after a graceful stop.
    // (The service's own count: autocannon leaves out the answers still in flight when a run ends.)
    const health = (await (await fetch(`${api.url}/health`)).json()) as {
      productionLog: { appended: number };
    };
    const answered = health.productionLog.appended;
    await stopServer(api);
    const logged = countLoggedRows(apiData);

    const requestLogMeasurements: Measurement[] = [];
    if (requestLogRuns > 0) {
      const verbose = await startServer(
        'predict+request-log',
        'packages/api/src/main.ts',
        apiEnv(join(work, 'data-verbose'), true),
        '/ready',
      );
      servers.push(verbose);
      await measure(verbose, bodies, 0, warmup);
      for (let round = 1; round <= requestLogRuns; round += 1) {
        const m = await measure(verbose, bodies, round, duration);
        requestLogMeasurements.push(m);
        process.stderr.write(
          `request-log round ${round}: ${Math.round(m.requestsPerSecond)} req/s, p99 ${m.p99Ms} ms\n`,
        );
      }
    }

    const helloSummary = summarize(measurements.filter((m) => m.server === 'hello-world'));
    const predictSummary = summarize(measurements.filter((m) => m.server === 'predict'));
    const result = {
      benchmark: 'api',
      command: 'pnpm bench:api',
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
      settings: {
        connections,
        durationSeconds: duration,
        rounds: runs,
        warmupSeconds: warmup,
        distinctBodies: bodies.length,
      },
      model,
      target: TARGET,
      helloWorld: helloSummary,
      predict: {
        ...predictSummary,
        shareOfHelloWorld: Number(
          (predictSummary.requestsPerSecond / helloSummary.requestsPerSecond).toFixed(3),
        ),
        meetsTarget:
          predictSummary.requestsPerSecond >= TARGET.requestsPerSecond &&
          predictSummary.p99Ms <= TARGET.p99Ms &&
          predictSummary.non2xx === 0 &&
          predictSummary.errors === 0,
      },
      productionLog: { answered, logged, complete: answered === logged },
      predictWithRequestLog: requestLogMeasurements.length > 0 ? summarize(requestLogMeasurements) : null,
      loadAverage1m: {
        min: Math.min(...measurements.map((m) => m.loadAverage1mBefore)),
        max: Math.max(...measurements.map((m) => m.loadAverage1mBefore)),
      },
      measurements: [...measurements, ...requestLogMeasurements],
    };
    mkdirSync(dirname(values.out!), { recursive: true });
    writeFileSync(values.out!, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(
      `${JSON.stringify({ helloWorld: helloSummary, predict: result.predict, productionLog: result.productionLog, predictWithRequestLog: result.predictWithRequestLog, loadAverage1m: result.loadAverage1m }, null, 2)}\n`,
    );
    process.stderr.write(`wrote ${values.out}\n`);
  } finally {
    for (const server of servers) await stopServer(server);
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
