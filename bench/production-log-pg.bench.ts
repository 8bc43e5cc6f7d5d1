/**
 * Production log into PostgreSQL from two replicas (`pnpm bench:log-pg`).
 *
 * 1. Writer capacity: two processes, each a ProductionLog on one shared
 *    PostgreSQL table (PRODUCTION_LOG_URL), fed at full speed (the queue held
 *    under 50,000 rows): committed rows per second, each and together.
 * 2. Under the API's full rate: two real API processes (packages/api/src/main.ts,
 *    the benchmark model of bench/api.bench.ts) on the same table, loaded at
 *    once by autocannon (`--connections` each). /health of both is sampled
 *    during the run: the largest queue, rows dropped, and after the run
 *    whether every answered request is in the table. Baseline in the same
 *    rounds: the same two processes with the default SQLite log (a file each),
 *    i.e. the API's own maximum rate on this machine; rounds alternate. The API
 *    processes' own CPU per request (from /proc) is reported for both: on a
 *    shared machine the request rate also pays for PostgreSQL's CPU, which a
 *    deployment runs elsewhere.
 *
 * PostgreSQL is a throw-away cluster with durable settings (fsync on) on the
 * same 2 cores as the servers and the load generator, so the request rates
 * are bounded by the shared CPU, not by the log. Results are medians over
 * rounds. Writes bench/results/production-log-pg.json.
 *
 *   pnpm bench:log-pg [--rounds 3] [--seconds 8] [--connections 10]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { MODEL_BUNDLE_FILE } from '@mlops/core';
import { PRODUCTION_LOG_TABLE } from '@mlops/core/listing';
import { freePort } from '../test/support/free-port.js';
import { startPostgres } from '../test/support/postgres-server.js';
import { writeBenchBundle } from './api-bench-model.js';
import { autocannon, predictLoad } from './autocannon-load.js';
import {
  API_MAIN,
  repositoryRoot as root,
  startBenchServer,
  stopBenchServer as stopApi,
  type BenchServer as Server,
} from './bench-server.js';
import { median } from './load-summary.js';
import { machineDescription } from './machine-description.js';
import { predictRequestBodies as requestBodies } from './predict-requests.js';
import { cpuSeconds } from './process-cpu.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '8' },
    connections: { type: 'string', default: '10' },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);

interface LogHealth {
  backend: string;
  appended: number;
  committed: number;
  durableSeq: number;
  queued: number;
  dropped: number;
}

async function logHealth(url: string): Promise<LogHealth> {
  const body = (await (await fetch(`${url}/health`)).json()) as { productionLog: LogHealth };
  return body.productionLog;
}

function startApi(env: Record<string, string>): Promise<Server> {
  return startBenchServer(API_MAIN, { ...env, LOG_LEVEL: 'warn' });
}

/** Runs one feeder process and returns its counters. */
function feed(url: string, seed: number): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(root, 'bench', 'production-log-feeder.ts'),
        '--url',
        url,
        '--seconds',
        String(SECONDS),
        '--seed',
        String(seed),
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`feeder exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()!) as Record<string, number>);
    });
  });
}

async function countRows(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query(`SELECT COUNT(*) AS n FROM ${PRODUCTION_LOG_TABLE}`)).rows[0].n);
  } finally {
    await client.end();
  }
}

/** Loads both servers at once for SECONDS; samples their logs every 250 ms. */
async function loadBoth(servers: Server[], bodies: string[]) {
  let maxQueued = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const states = await Promise.all(servers.map((s) => logHealth(s.url)));
      maxQueued = Math.max(maxQueued, ...states.map((s) => s.queued));
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  const cpuBefore = servers.map((s) => cpuSeconds(s.child.pid));
  const results = await Promise.all(servers.map((s) => predictLoad(s.url, bodies, CONNECTIONS, SECONDS)));
  const cpuAfter = servers.map((s) => cpuSeconds(s.child.pid));
  sampling = false;
  await sampler;
  // Every appended row committed: the acknowledgement watermark reaches the last sequence number.
  const deadline = Date.now() + 30_000;
  let states = await Promise.all(servers.map((s) => logHealth(s.url)));
  while (states.some((s) => s.durableSeq < s.appended) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    states = await Promise.all(servers.map((s) => logHealth(s.url)));
  }
  const answered = results.reduce((sum, r) => sum + r.requests.total - r.non2xx, 0);
  const cpu =
    cpuBefore.every((c) => c !== null) && cpuAfter.every((c) => c !== null)
      ? cpuAfter.reduce((sum, c, i) => sum + c! - cpuBefore[i]!, 0)
      : null;
  return {
    requestsPerSecond: results.reduce((sum, r) => sum + r.requests.average, 0),
    // The API processes' own CPU per answered request: what the log backend costs a replica,
    // whatever else (PostgreSQL, the load generator) shares the cores.
    apiCpuMicrosPerRequest: cpu === null || answered === 0 ? null : Math.round((cpu / answered) * 1e6),
    answered,
    failed: results.reduce((sum, r) => sum + r.non2xx + r.errors + r.timeouts, 0),
    p99Ms: Math.max(...results.map((r) => r.latency.p99)),
    maxQueued,
    appended: states.reduce((sum, s) => sum + s.appended, 0),
    committed: states.reduce((sum, s) => sum + s.committed, 0),
    dropped: states.reduce((sum, s) => sum + s.dropped, 0),
  };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'log-pg-bench-'));
  const server = await startPostgres({ durable: true });
  const loadBefore = loadavg();
  const apis: Server[] = [];
  try {
    // 1. Writer capacity.
    const capacity = [];
    for (let r = 0; r < ROUNDS; r++) {
      const url = await server.createDatabase();
      const [a, b] = await Promise.all([feed(url, 3), feed(url, 4)]);
      const inTable = await countRows(url);
      const entry = {
        rowsPerSecond: Math.round(a!.rowsPerSecond! + b!.rowsPerSecond!),
        perWriter: [Math.round(a!.rowsPerSecond!), Math.round(b!.rowsPerSecond!)],
        committed: a!.committed! + b!.committed!,
        inTable,
        dropped: a!.dropped! + b!.dropped!,
        maxQueued: Math.max(a!.maxQueued!, b!.maxQueued!),
      };
      capacity.push(entry);
      console.log(`capacity round ${r + 1}: ${JSON.stringify(entry)}`);
    }

    // 2. Two API processes at full rate, PostgreSQL vs the default SQLite log.
    const modelDir = join(work, 'models');
    mkdirSync(modelDir, { recursive: true });
    console.log('training the benchmark model...');
    const model = await writeBenchBundle(join(modelDir, MODEL_BUNDLE_FILE));
    const bodies = requestBodies(512);
    const baseEnv = {
      MODEL_DIR: modelDir,
      REGISTRY_URL: `http://127.0.0.1:${await freePort()}`,
      MODEL_REFRESH_SECONDS: '3600',
    };
    const logUrl = await server.createDatabase();
    const rounds: Record<'postgresql' | 'sqlite', Awaited<ReturnType<typeof loadBoth>>[]> = {
      postgresql: [],
      sqlite: [],
    };
    let rowsBefore = 0;
    for (let r = 0; r < ROUNDS; r++) {
      for (const backend of ['postgresql', 'sqlite'] as const) {
        const pair = await Promise.all(
          ['a', 'b'].map((name) =>
            startApi({
              ...baseEnv,
              DATA_DIR: join(work, `${backend}-${r}-${name}`),
              ...(backend === 'postgresql' ? { PRODUCTION_LOG_URL: logUrl } : {}),
            }),
          ),
        );
        apis.push(...pair);
        // Warm-up (JIT, connections), not counted.
        await autocannon({ url: `${pair[0]!.url}/health`, connections: 2, duration: 1 });
        const result = await loadBoth(pair, bodies);
        await Promise.all(pair.map(stopApi));
        let inTable: number | null = null;
        if (backend === 'postgresql') {
          const total = await countRows(logUrl);
          inTable = total - rowsBefore;
          rowsBefore = total;
        }
        rounds[backend].push(result);
        console.log(`${backend} round ${r + 1}: ${JSON.stringify({ ...result, inTable })}`);
        if (backend === 'postgresql' && inTable !== null && inTable < result.answered) {
          throw new Error(`only ${inTable} rows in the table for ${result.answered} answered requests`);
        }
      }
    }
    const summary = (list: Awaited<ReturnType<typeof loadBoth>>[]) => ({
      rounds: list.length,
      requestsPerSecond: Math.round(median(list.map((m) => m.requestsPerSecond))),
      p99Ms: median(list.map((m) => m.p99Ms)),
      apiCpuMicrosPerRequest: median(list.map((m) => m.apiCpuMicrosPerRequest ?? Number.NaN)),
      maxQueued: Math.max(...list.map((m) => m.maxQueued)),
      dropped: list.reduce((sum, m) => sum + m.dropped, 0),
      failedRequests: list.reduce((sum, m) => sum + m.failed, 0),
      answered: list.reduce((sum, m) => sum + m.answered, 0),
      committed: list.reduce((sum, m) => sum + m.committed, 0),
    });
    const capacityRate = Math.round(median(capacity.map((c) => c.rowsPerSecond)));
    const pgApi = summary(rounds.postgresql);
    const sqliteApi = summary(rounds.sqlite);
    const output = {
      benchmark: 'production log into PostgreSQL from 2 replicas',
      command: 'pnpm bench:log-pg',
      date: new Date().toISOString(),
      machine: machineDescription(loadBefore, {
        postgres: 'Debian PostgreSQL 15, durable (fsync on), on the same machine',
      }),
      settings: { rounds: ROUNDS, seconds: SECONDS, connectionsPerApi: CONNECTIONS },
      model,
      writerCapacity: {
        rowsPerSecondMedian: capacityRate,
        rounds: capacity,
      },
      apiTwoReplicas: {
        postgresql: pgApi,
        sqliteBaseline: sqliteApi,
        rateRatioPostgresToSqlite:
          Math.round((pgApi.requestsPerSecond / sqliteApi.requestsPerSecond) * 100) / 100,
        writerHeadroom: Math.round((capacityRate / pgApi.requestsPerSecond) * 10) / 10,
        perRound: rounds,
      },
    };
    console.log(
      `writer capacity (2 writers, 1 table): ${capacityRate} rows/s; two APIs on PostgreSQL: ${pgApi.requestsPerSecond} req/s ` +
        `(max queue ${pgApi.maxQueued}, dropped ${pgApi.dropped}); on SQLite: ${sqliteApi.requestsPerSecond} req/s`,
    );
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(
      join(root, 'bench', 'results', 'production-log-pg.json'),
      `${JSON.stringify(output, null, 2)}\n`,
    );
    console.log('wrote bench/results/production-log-pg.json');
  } finally {
    await Promise.all(apis.map(stopApi));
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
