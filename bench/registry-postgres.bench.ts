/**
 * Registry on PostgreSQL against an MLflow tracking server on the same PostgreSQL server, side by
 * side in one run. One durable cluster (fsync on, test/support/postgres-server.ts) holds two
 * databases, `registry` and `mlflow`; both servers run as child processes on 127.0.0.1 and the
 * load generator (autocannon) runs in this process.
 *
 *   pnpm bench:registry:pg [--rounds 3] [--duration 15] [--connections 50] [--mlflow auto|install|off]
 *                          [--out FILE]
 *
 * Each round sends POST /api/2.0/mlflow/runs/log-metric for `duration` seconds: to our registry at
 * `connections` connections, then to MLflow at `connections` and at 8 connections (its workers do
 * better with fewer; the ratio uses its better rate). Rounds alternate so both see the same
 * background load; results are medians over rounds. Afterwards every metric our registry
 * acknowledged is counted in PostgreSQL.
 *
 * MLflow (the full `mlflow` package with psycopg2-binary, `mlflow server`, 2 workers) comes from the
 * virtualenv at ~/.cache/mlops/mlflow-server-venv (or MLOPS_MLFLOW_SERVER_VENV); `--mlflow install`
 * creates it from PyPI, `--mlflow off` measures ours alone.
 *
 * Targets: our rate >= 10x MLflow's, our p99 <= 50 ms. Writes bench/results/registry-postgres.json.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { freePort } from '../test/support/free-port.js';
import { startPostgres } from '../test/support/postgres-server.js';
import { autocannon, logMetricRequest } from './autocannon-load.js';
import { median, summarise, type LoadSummary } from './load-summary.js';
import { registryMachineDescription } from './machine-description.js';
import { mlflowServerArgs } from './mlflow-server.js';
import { startRegistryServer, waitUntilServing } from './registry-server.js';
import type { BenchServer } from './bench-server.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '15' },
    connections: { type: 'string', default: '50' },
    mlflow: { type: 'string', default: 'auto' },
    out: { type: 'string', default: join(root, 'bench', 'results', 'registry-postgres.json') },
  },
});
const rounds = Number(values.rounds);
const duration = Number(values.duration);
const connections = Number(values.connections);
const MLFLOW_LIGHT_CONNECTIONS = 8;
const MLFLOW_VENV =
  process.env.MLOPS_MLFLOW_SERVER_VENV ?? join(homedir(), '.cache', 'mlops', 'mlflow-server-venv');
const TARGET = { ratioToMlflow: 10, p99Ms: 50 };

type Server = BenchServer;

/** Our registry (src/main.ts) on the given PostgreSQL database. */
function startRegistry(databaseUrl: string, dir: string): Promise<Server> {
  return startRegistryServer(databaseUrl, dir, 30);
}

/** The MLflow server virtualenv's `mlflow`, installing it when asked; undefined with the reason otherwise. */
function mlflowBinary(): { bin?: string; reason?: string } {
  if (values.mlflow === 'off') return { reason: 'skipped with --mlflow off' };
  const bin = join(MLFLOW_VENV, 'bin', 'mlflow');
  const python = join(MLFLOW_VENV, 'bin', 'python');
  const ready = () =>
    existsSync(bin) && spawnSync(python, ['-c', 'import mlflow.server, psycopg2']).status === 0;
  if (ready()) return { bin };
  if (values.mlflow !== 'install') {
    return { reason: `no MLflow server with psycopg2 at ${MLFLOW_VENV}; run with --mlflow install` };
  }
  if (!existsSync(python)) spawnSync('python3', ['-m', 'venv', MLFLOW_VENV], { stdio: 'inherit' });
  const pip = spawnSync(python, ['-m', 'pip', 'install', '-q', 'mlflow>=3,<4', 'psycopg2-binary'], {
    stdio: 'inherit',
  });
  return pip.status === 0 && ready() ? { bin } : { reason: 'installing mlflow and psycopg2-binary failed' };
}

/** `mlflow server` on the given PostgreSQL database, in its own process group (workers stop with it). */
async function startMlflow(bin: string, databaseUrl: string, dir: string): Promise<Server> {
  const port = await freePort();
  const folder = join(dir, 'mlflow-server');
  mkdirSync(folder, { recursive: true });
  const backend = databaseUrl.replace(/^postgresql:/, 'postgresql+psycopg2:');
  const child = spawn(bin, mlflowServerArgs(backend, folder, port), {
    cwd: folder,
    detached: true,
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    // Its first start runs MLflow's own schema migrations.
    await waitUntilServing(url, child, 180, 'mlflow server');
  } catch (error) {
    stopGroup(child);
    throw error;
  }
  return { url, child };
}

function stopGroup(child: ChildProcess): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

async function createRun(url: string): Promise<string> {
  const response = await fetch(`${url}/api/2.0/mlflow/runs/create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ experiment_id: '0', run_name: 'hammer' }),
  });
  if (!response.ok) throw new Error(`runs/create at ${url}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { run: { info: { run_id: string } } }).run.info.run_id;
}

/** One log-metric load of `seconds` at `clients` connections: 8 keys, increasing steps. */
async function logMetricLoad(
  url: string,
  runId: string,
  clients: number,
  seconds: number,
): Promise<LoadSummary> {
  const requests = [logMetricRequest(runId)];
  return summarise(await autocannon({ url, connections: clients, duration: seconds, requests }));
}

function medianRound(list: LoadSummary[]): LoadSummary {
  return [...list].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[Math.floor(list.length / 2)]!;
}

function line(label: string, r: LoadSummary): string {
  return `${label}: ${r.requestsPerSecond} req/s, p99 ${r.latencyMs.p99} ms (non-2xx ${r.non2xx}, errors ${r.errors})`;
}

async function countMetrics(databaseUrl: string, runId: string): Promise<{ stored: number; server: string }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const count = await client.query<{ n: string }>('SELECT COUNT(*) AS n FROM metrics WHERE run_id = $1', [
      runId,
    ]);
    const version = await client.query<{ server_version: string }>('SHOW server_version');
    return { stored: Number(count.rows[0]!.n), server: version.rows[0]!.server_version };
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const started = new Date().toISOString();
  const dir = mkdtempSync(join(tmpdir(), 'registry-pg-bench-'));
  const postgres = await startPostgres({ durable: true });
  let registry: Server | undefined;
  let mlflow: Server | undefined;
  try {
    const registryDb = await postgres.createDatabase('registry');
    const mlflowDb = await postgres.createDatabase('mlflow');
    registry = await startRegistry(registryDb, dir);
    const registryRun = await createRun(registry.url);

    const { bin, reason } = mlflowBinary();
    let mlflowRun: string | undefined;
    let mlflowVersion: string | undefined;
    if (bin) {
      mlflow = await startMlflow(bin, mlflowDb, dir);
      mlflowRun = await createRun(mlflow.url);
      mlflowVersion = execFileSync(
        join(MLFLOW_VENV, 'bin', 'python'),
        ['-c', 'import mlflow; print(mlflow.__version__)'],
        {
          encoding: 'utf8',
        },
      ).trim();
    } else {
      console.log(`MLflow not measured: ${reason}`);
    }

    console.log(`warm-up (3 s each), then ${rounds} rounds of ${duration} s per load`);
    await logMetricLoad(registry.url, registryRun, connections, 3);
    if (mlflow && mlflowRun) await logMetricLoad(mlflow.url, mlflowRun, MLFLOW_LIGHT_CONNECTIONS, 3);

    const ours: LoadSummary[] = [];
    const theirs: LoadSummary[] = [];
    const theirsLight: LoadSummary[] = [];
    for (let round = 1; round <= rounds; round += 1) {
      ours.push(await logMetricLoad(registry.url, registryRun, connections, duration));
      console.log(line(`round ${round} registry, ${connections} connections`, ours.at(-1)!));
      if (mlflow && mlflowRun) {
        theirs.push(await logMetricLoad(mlflow.url, mlflowRun, connections, duration));
        console.log(
          line(`round ${round} MLflow ${mlflowVersion}, ${connections} connections`, theirs.at(-1)!),
        );
        theirsLight.push(await logMetricLoad(mlflow.url, mlflowRun, MLFLOW_LIGHT_CONNECTIONS, duration));
        console.log(
          line(
            `round ${round} MLflow ${mlflowVersion}, ${MLFLOW_LIGHT_CONNECTIONS} connections`,
            theirsLight.at(-1)!,
          ),
        );
      }
    }

    const acknowledged = ours.reduce((sum, r) => sum + r.ok, 0);
    const { stored, server } = await countMetrics(registryDb, registryRun);
    console.log(
      `registry: metrics acknowledged in rounds ${acknowledged}; stored (including warm-up) ${stored}`,
    );

    const ourMedian = medianRound(ours);
    const mlflowBest = mlflow
      ? Math.max(
          median(theirs.map((r) => r.requestsPerSecond)),
          median(theirsLight.map((r) => r.requestsPerSecond)),
        )
      : undefined;
    const ratio = mlflowBest ? Number((ourMedian.requestsPerSecond / mlflowBest).toFixed(2)) : undefined;
    const results = {
      benchmark: 'registry-postgres',
      command: 'pnpm bench:registry:pg',
      date: started,
      machine: {
        ...registryMachineDescription(),
        postgres: server,
        postgresSettings: 'durable: fsync on, synchronous_commit on (startPostgres({ durable: true }))',
        pg: JSON.parse(
          readFileSync(
            createRequire(join(root, 'packages', 'registry', 'package.json')).resolve('pg/package.json'),
            'utf8',
          ),
        ).version,
        note: 'both servers, PostgreSQL and the load generator share the same cores',
      },
      settings: {
        rounds,
        durationS: duration,
        connections,
        mlflowLightConnections: MLFLOW_LIGHT_CONNECTIONS,
      },
      registry: {
        logMetric: { median: ourMedian, rounds: ours },
        acknowledgedInRounds: acknowledged,
        storedIncludingWarmup: stored,
      },
      mlflow: mlflow
        ? {
            measured: true,
            version: mlflowVersion,
            workers: 2,
            backend: 'postgresql+psycopg2, same server, database mlflow',
            logMetric: { median: medianRound(theirs), rounds: theirs },
            logMetricLight: { median: medianRound(theirsLight), rounds: theirsLight },
            bestMedianRequestsPerSecond: mlflowBest,
          }
        : { measured: false, reason },
      ratioRegistryToMlflow: ratio,
      targets: {
        ratio: {
          target: TARGET.ratioToMlflow,
          value: ratio,
          met: ratio !== undefined && ratio >= TARGET.ratioToMlflow,
        },
        p99Ms: {
          target: TARGET.p99Ms,
          value: ourMedian.latencyMs.p99,
          met: ourMedian.latencyMs.p99 <= TARGET.p99Ms,
        },
      },
    };
    mkdirSync(dirname(values.out!), { recursive: true });
    writeFileSync(values.out!, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`wrote ${values.out}`);
    console.log(line('registry on PostgreSQL (median round)', ourMedian));
    if (mlflowBest) console.log(`MLflow best median: ${mlflowBest} req/s; ratio ${ratio}x`);
    console.log(
      `targets: ratio >= ${TARGET.ratioToMlflow}x ${results.targets.ratio.met ? 'met' : 'NOT met'}; p99 <= ${TARGET.p99Ms} ms ${results.targets.p99Ms.met ? 'met' : 'NOT met'}`,
    );
  } finally {
    registry?.child.kill('SIGTERM');
    if (mlflow) stopGroup(mlflow.child);
    // Let both close their connections before the cluster shuts down.
    await new Promise((r) => setTimeout(r, 1000));
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
