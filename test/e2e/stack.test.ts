import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRODUCTION_ALIAS } from '@mlops/core';
import { EXAMPLE_LISTING, PRODUCTION_LOG_FILE, PRODUCTION_LOG_TABLE } from '@mlops/core/listing';
import { RegistryClient } from '@mlops/registry-client';
import { TRAINING_WORKFLOW_ID } from '@mlops/temporal';
import { freePort } from '../support/free-port.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cliMain = join(root, 'packages/cli/src/main.ts');
const tsxLoader = import.meta.resolve('tsx');

const seedExample = EXAMPLE_LISTING;

/** better-sqlite3, a dependency of the API (not of the repository root), to read its production log. */
type ReadonlyDatabase = {
  prepare(sql: string): { all(): unknown[] };
  close(): void;
};
const Database = createRequire(join(root, 'packages/api/package.json'))('better-sqlite3') as new (
  file: string,
  options: { readonly: boolean },
) => ReadonlyDatabase;

/** Processes whose working folder is `dir` (the stack's children run there). */
function processesIn(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) === dir) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** The one process in `dir` whose command line contains `fragment`. */
function processWith(dir: string, fragment: string): number {
  const found = processesIn(dir).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').includes(fragment);
    } catch {
      return false;
    }
  });
  expect(found, `processes running "${fragment}"`).toHaveLength(1);
  return found[0]!;
}

function isPortOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (open: boolean) => (socket.destroy(), resolve(open));
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function until(what: string, condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Keeps `concurrency` POST /predict requests going, each with a unique address, until stop() is
 * called or the API stops answering. Collects the addresses answered 200 and the other outcomes.
 */
function predictionLoad(apiUrl: string, prefix: string, concurrency: number) {
  const answered: string[] = [];
  const failures: string[] = [];
  let stopped = false;
  let next = 0;
  const client = async () => {
    while (!stopped) {
      const address = `${prefix}-${next++}`;
      try {
        const response = await fetch(`${apiUrl}/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ...seedExample, address }),
        });
        await response.arrayBuffer();
        if (response.status === 200) answered.push(address);
        else failures.push(`${address}: ${response.status}`);
      } catch (error) {
        failures.push(`${address}: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
    }
  };
  const done = Promise.all(Array.from({ length: concurrency }, client));
  return {
    answered,
    failures,
    async stop() {
      stopped = true;
      await done;
    },
    done,
  };
}

function loggedAddresses(dir: string): Set<string> {
  const db = new Database(join(dir, 'data', 'production', PRODUCTION_LOG_FILE), { readonly: true });
  try {
    const rows = db.prepare(`SELECT address FROM ${PRODUCTION_LOG_TABLE}`).all() as { address: string }[];
    return new Set(rows.map((row) => row.address));
  } finally {
    db.close();
  }
}

/** `mlops <args>` in `cwd`; `detached` gives it a process group of its own, as a terminal does. */
function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv, detached = false): ChildProcess {
  return spawn(process.execPath, ['--import', tsxLoader, cliMain, ...args], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached,
  });
}

describe('the whole stack, natively', () => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'mlops-e2e-')));
  let stack: ChildProcess;
  let output = '';
  let env: NodeJS.ProcessEnv;
  let apiUrl: string;
  let registryUrl: string;
  let temporalAddress: string;
  let ports: number[];

  const waitForOutput = (pattern: RegExp, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${pattern}; output:\n${output.slice(-4000)}`)),
        timeoutMs,
      );
      const check = () => {
        if (pattern.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      stack.stdout!.on('data', check);
      stack.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the stack exited with ${code}; output:\n${output.slice(-4000)}`));
      });
      check();
    });

  beforeAll(async () => {
    const [temporalPort, uiPort, registryPort, apiPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    ports = [temporalPort, uiPort, registryPort, apiPort];
    apiUrl = `http://127.0.0.1:${apiPort}`;
    registryUrl = `http://127.0.0.1:${registryPort}`;
    temporalAddress = `127.0.0.1:${temporalPort}`;
    env = {
      ...process.env,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_UI_PORT: String(uiPort),
      REGISTRY_PORT: String(registryPort),
      REGISTRY_HOST: '127.0.0.1',
      REGISTRY_URL: registryUrl,
      API_PORT: String(apiPort),
      API_HOST: '127.0.0.1',
      API_URL: apiUrl,
      MONITOR_INTERVAL: '10s',
      MODEL_REFRESH_SECONDS: '1',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
    };
    stack = runCli(['start'], dir, env, true);
    stack.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    stack.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitForOutput(/The stack is up/, 600_000);
  }, 620_000);

  afterAll(async () => {
    if (stack && stack.exitCode === null) stack.kill('SIGKILL');
    for (const pid of processesIn(dir)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the old example body and a batch', async () => {
    const one = await fetch(`${apiUrl}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(seedExample),
    });
    expect(one.status).toBe(200);
    const answer = (await one.json()) as { price_category: string; model_version: string };
    expect(['low', 'medium', 'high']).toContain(answer.price_category);

    const batch = await fetch(`${apiUrl}/predict/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        seedExample,
        { ...seedExample, GrossSquareMeters: 300, NetSquareMeters: 260 },
        seedExample,
      ]),
    });
    expect(batch.status).toBe(200);
    expect(((await batch.json()) as { predictions: unknown[] }).predictions).toHaveLength(3);
  });

  it('has a production version in the registry and a completed training workflow', async () => {
    const registry = new RegistryClient({ baseUrl: registryUrl });
    const production = await registry.getModelVersionByAlias('HousingPriceClassifier', PRODUCTION_ALIAS);
    expect(production?.version).toBe('1');

    const connection = await Connection.connect({ address: temporalAddress });
    try {
      const client = new Client({ connection });
      const description = await client.workflow.getHandle(TRAINING_WORKFLOW_ID).describe();
      expect(description.status.name).toBe('COMPLETED');
    } finally {
      await connection.close();
    }
  });

  it('retrains, promotes and serves a new version after drifted traffic (the drift demo)', async () => {
    // A fixed seed makes the drifted sample, and so the promotion gate's decision, the same on every
    // run: with a new sample each run the retrained model can land within noise below production and
    // stay in staging, which the demo reports (exit 1) rather than a failure of the loop.
    const demo = runCli(['demo', 'drift', '--seed', '1'], dir, env);
    let demoOutput = '';
    demo.stdout!.on('data', (chunk: Buffer) => (demoOutput += chunk.toString()));
    demo.stderr!.on('data', (chunk: Buffer) => (demoOutput += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => demo.once('exit', resolve));
    expect(code, demoOutput).toBe(0);
    expect(demoOutput).toMatch(/alert/);
    expect(demoOutput).toMatch(/The API now serves version (\d+)/);
    const served = /The API now serves version (\d+)/.exec(demoOutput)![1];

    const registry = new RegistryClient({ baseUrl: registryUrl });
    const production = await registry.getModelVersionByAlias('HousingPriceClassifier', PRODUCTION_ALIAS);
    expect(Number(production!.version)).toBeGreaterThan(1);
    expect(production!.version).toBe(served);
    const health = (await (await fetch(`${apiUrl}/health`)).json()) as { model: { version: string } };
    expect(health.model.version).toBe(served);
  }, 300_000);

  it('retrains on feedback after prices moved and serves a more accurate version (the concept-drift demo)', async () => {
    const registry = new RegistryClient({ baseUrl: registryUrl });
    const before = await registry.getModelVersionByAlias('HousingPriceClassifier', PRODUCTION_ALIAS);
    // The seed fixes the traffic, its feedback and the fresh listings, so the gate and the comparison
    // come out the same on every run.
    const demo = runCli(['demo', 'drift', '--scenario', 'concept', '--seed', '1'], dir, env);
    let demoOutput = '';
    demo.stdout!.on('data', (chunk: Buffer) => (demoOutput += chunk.toString()));
    demo.stderr!.on('data', (chunk: Buffer) => (demoOutput += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => demo.once('exit', resolve));
    expect(code, demoOutput).toBe(0);
    // Only ground truth saw it: the realized alert, and no input drift alert beside it.
    expect(demoOutput).toMatch(/- performance\.realized = 0\.\d+ \(threshold 0\.03\)/);
    expect(demoOutput).not.toMatch(/- (psi|cardinality)\./);
    expect(demoOutput).toMatch(/on the \d+ most recent labelled feedback rows: promoted to production/);
    const served = /The API now serves version (\d+): ([\d.]+) s after the first feedback/.exec(demoOutput);
    expect(served, demoOutput).not.toBeNull();
    expect(Number(served![1])).toBeGreaterThan(Number(before!.version));

    const production = await registry.getModelVersionByAlias('HousingPriceClassifier', PRODUCTION_ALIAS);
    expect(production!.version).toBe(served![1]);
    const health = (await (await fetch(`${apiUrl}/health`)).json()) as { model: { version: string } };
    expect(health.model.version).toBe(served![1]);
    const training = await registry.getRun(production!.runId!);
    // Started by the realized alert alone, and gated on the newest feedback.
    expect(training.data.tags['trigger.reason']).toBe('performance');
    expect(training.data.tags['promotion.scored_on']).toBe('recent-feedback');

    // On fresh listings of the moved market, the served version is right more often than the old one.
    const compared =
      /version (\d+) would be right on ([\d.]+) %, version (\d+) \(served\) is right on ([\d.]+) %/.exec(
        demoOutput,
      );
    expect(compared, demoOutput).not.toBeNull();
    expect(compared![1]).toBe(before!.version);
    expect(compared![3]).toBe(served![1]);
    expect(Number(compared![4])).toBeGreaterThan(Number(compared![2]) + 1);
  }, 300_000);

  it('triggers the scheduled check and follows a remote training from the CLI', async () => {
    const run = async (args: string[]) => {
      const child = runCli(args, dir, env);
      let out = '';
      let stdout = '';
      child.stdout!.on('data', (chunk: Buffer) => ((out += chunk.toString()), (stdout += chunk.toString())));
      child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      return { code, out, stdout };
    };
    const now = await run(['monitor', '--now']);
    expect(now.code, now.out).toBe(0);
    expect(now.out).toMatch(/triggered monitoring-schedule/);

    const remote = await run(['train', '--remote', '--trees', '10', '--json']);
    expect(remote.code, remote.out).toBe(0);
    const result = JSON.parse(remote.stdout) as { version: string; decision: object };
    expect(Number(result.version)).toBeGreaterThan(2);
    expect(result.decision).toHaveProperty('promoted');
  }, 180_000);

  it('restarts a killed registry and Temporal dev server while the API keeps answering', async () => {
    const load = predictionLoad(apiUrl, 'supervised', 4);
    const registryPid = processWith(dir, 'registry/src/main.ts');
    const temporalPid = processWith(dir, 'start-dev');
    process.kill(registryPid, 'SIGKILL');
    process.kill(temporalPid, 'SIGKILL');
    const temporalPort = Number(temporalAddress.split(':')[1]);
    await until('Temporal accepts connections again', () => isPortOpen(temporalPort), 60_000);
    await until(
      'the registry answers /health again',
      () =>
        fetch(`${registryUrl}/health`).then(
          (r) => r.ok,
          () => false,
        ),
      60_000,
    );
    // Still up 2 s after the restarts: the stack did not stop around them.
    await new Promise((r) => setTimeout(r, 2000));
    await load.stop();
    expect(load.failures).toEqual([]);
    expect(load.answered.length).toBeGreaterThan(20);
    expect(stack.exitCode).toBeNull();
    expect(processWith(dir, 'registry/src/main.ts')).not.toBe(registryPid);
    expect(processWith(dir, 'start-dev')).not.toBe(temporalPid);
    expect(output).toMatch(/registry exited unexpectedly \(SIGKILL\); restarting it in 1 s/);
    expect(output).toMatch(/temporal restarted \(pid \d+, restart 1\)/);

    // The restarted server kept its state (data/temporal/temporal.db): the first training is known.
    // (It may have started another run since: the previous test triggered the schedule.)
    const connection = await Connection.connect({ address: temporalAddress });
    try {
      const client = new Client({ connection });
      const runs = [];
      for await (const run of client.workflow.list({ query: `WorkflowId = '${TRAINING_WORKFLOW_ID}'` })) {
        runs.push(run.status.name);
      }
      expect(runs).toContain('COMPLETED');
    } finally {
      await connection.close();
    }
  }, 120_000);

  it('stops every process on Ctrl-C and keeps every answered prediction', async () => {
    const exited = new Promise<number | null>((resolve) => stack.once('exit', resolve));
    const load = predictionLoad(apiUrl, 'ctrl-c', 16);
    await new Promise((r) => setTimeout(r, 1000));
    // A terminal's Ctrl-C: SIGINT to every process of the foreground group.
    process.kill(-stack.pid!, 'SIGINT');
    expect(await exited).toBe(0);
    await load.done;
    // Children get SIGTERM and a grace period before the stack exits; nothing may remain.
    expect(processesIn(dir)).toEqual([]);
    expect(load.answered.length).toBeGreaterThan(20);
    const logged = loggedAddresses(dir);
    expect(load.answered.filter((address) => !logged.has(address))).toEqual([]);
    for (const port of ports) expect(await isPortOpen(port), `port ${port}`).toBe(false);
  }, 60_000);

  it('stops every process when only the top process gets SIGTERM', async () => {
    output = '';
    stack = runCli(['start'], dir, env, true);
    stack.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    stack.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitForOutput(/The stack is up/, 300_000);
    expect(processesIn(dir).length).toBeGreaterThanOrEqual(5);
    const exited = new Promise<number | null>((resolve) => stack.once('exit', resolve));
    stack.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(processesIn(dir)).toEqual([]);
    for (const port of ports) expect(await isPortOpen(port), `port ${port}`).toBe(false);
  }, 320_000);
});
