/**
 * The Compose stack on a real Docker engine, as a user runs it: build the four
 * images, `docker compose up`, a prediction from the model the train container
 * trained, both web UIs, drifted traffic that makes the monitor container start
 * a retraining whose version takes the `production` alias, then `down` and `up`
 * again with the registry and the production log kept in their volumes.
 *
 * Runs as its own project (`housing-mlops-e2e`) so it never touches a user's
 * stack or volumes, on the default ports (stop a running `pnpm start` first).
 * Base images that cannot be pulled are built locally first by
 * scripts/docker-stand-in-images.sh. Run: `pnpm test:compose`.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_LISTING } from '@mlops/core/listing';

const root = fileURLToPath(new URL('../..', import.meta.url));
const project = 'housing-mlops-e2e';
const registryUrl = 'http://127.0.0.1:5000';
const apiUrl = 'http://127.0.0.1:8081';
const temporalUiUrl = 'http://127.0.0.1:8233';
const started = Date.now();

/** Elapsed time since the file started, for the log lines that time each step. */
function elapsed(): string {
  return `${((Date.now() - started) / 1000).toFixed(1)} s`;
}

function say(line: string): void {
  process.stdout.write(`compose e2e [${elapsed()}] ${line}\n`);
}

const composeEnv: NodeJS.ProcessEnv = {
  ...process.env,
  COMPOSE_PROFILES: 'local-temporal',
  // The classic builder: BuildKit needs a registry to resolve its frontend. One build at a time,
  // so the four images share the build stage the first one built.
  DOCKER_BUILDKIT: '0',
  COMPOSE_PARALLEL_LIMIT: '1',
};

/** Runs a command to completion; throws with its output when it fails. */
function run(command: string, args: string[], timeoutMs: number): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, {
    cwd: root,
    env: composeEnv,
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error || result.status !== 0) {
    const output = `${result.stdout ?? ''}\n${result.stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
    throw new Error(
      `\`${command} ${args.join(' ')}\` failed (${result.error?.message ?? `exit ${result.status}`}):\n${output}`,
    );
  }
  return result;
}

function compose(args: string[], timeoutMs = 120_000): string {
  return run('docker', ['compose', '-p', project, ...args], timeoutMs).stdout;
}

async function json<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch {
    // A keep-alive connection pooled before `down` is dead after `up`: the second attempt opens a new one.
    response = await fetch(url, init);
  }
  return { status: response.status, body: (await response.json()) as T };
}

/** Rows in the API container's production log, read inside the container. */
function productionLogRows(): number {
  const script =
    "const D=require('better-sqlite3');" +
    "const db=new D('data/production/predictions.db',{readonly:true});" +
    "console.log(db.prepare('select count(*) n from predictions').get().n)";
  return Number(compose(['exec', '-T', 'api', 'node', '-e', script]).trim());
}

interface ModelVersionsAnswer {
  model_versions?: { version: string; aliases?: string[] }[];
}

async function modelVersions(): Promise<Map<string, string[]>> {
  const { body } = await json<ModelVersionsAnswer>(
    `${registryUrl}/api/2.0/mlflow/model-versions/search?filter=${encodeURIComponent("name='HousingPriceClassifier'")}`,
  );
  return new Map((body.model_versions ?? []).map((v) => [v.version, v.aliases ?? []]));
}

async function servedVersion(): Promise<string | undefined> {
  const { body } = await json<{ model: { version: string; alias: string } | null }>(`${apiUrl}/health`);
  return body.model?.alias === 'production' ? body.model.version : undefined;
}

describe('docker compose up', () => {
  let demoDir: string;

  beforeAll(() => {
    demoDir = mkdtempSync(join(tmpdir(), 'compose-e2e-'));
    const version = run('docker', ['compose', 'version', '--short'], 30_000).stdout.trim();
    say(`Docker Compose ${version}`);
    run('bash', [join(root, 'scripts/docker-stand-in-images.sh')], 30 * 60_000);
    say('base images ready');
    compose(['down', '--volumes', '--remove-orphans'], 120_000);
    compose(['build'], 30 * 60_000);
    say('four images built');
  });

  afterAll(() => {
    spawnSync('docker', ['compose', '-p', project, 'down', '--volumes', '--remove-orphans'], {
      cwd: root,
      env: composeEnv,
      timeout: 120_000,
    });
    rmSync(demoDir, { recursive: true, force: true });
  });

  it('comes up healthy and serves a prediction from the model the train container registered', async () => {
    compose(['up', '--detach', '--wait', '--wait-timeout', '420'], 480_000);
    say('up: every service healthy, the API serving');
    const predicted = await json<{ price_category: string; model_version: string; model_alias: string }>(
      `${apiUrl}/predict`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(EXAMPLE_LISTING),
      },
    );
    expect(predicted.status).toBe(200);
    expect(['low', 'medium', 'high']).toContain(predicted.body.price_category);
    expect(predicted.body).toMatchObject({ model_version: '1', model_alias: 'production' });
    // Version 1 is the train container's: its run is in the registry with the bundle as an artifact.
    const versions = await modelVersions();
    expect(versions.get('1')).toEqual(expect.arrayContaining(['production']));
  });

  it('serves the registry UI and the Temporal UI', async () => {
    for (const url of [registryUrl, temporalUiUrl]) {
      const response = await fetch(url);
      expect(response.status, url).toBe(200);
      expect(await response.text(), url).toMatch(/<html/i);
    }
  });

  it('retrains in the containers after drifted traffic and serves the new version', async () => {
    const demo = spawn(
      process.execPath,
      ['--import', 'tsx', join(root, 'packages/cli/src/main.ts'), 'demo', 'drift', '--seed', '1'],
      {
        cwd: root,
        env: {
          ...process.env,
          API_URL: apiUrl,
          REGISTRY_URL: registryUrl,
          TEMPORAL_ADDRESS: '127.0.0.1:7233',
          DATA_DIR: demoDir,
          LOG_LEVEL: 'warn',
        },
      },
    );
    let output = '';
    demo.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    demo.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => demo.once('exit', resolve));
    expect(code, output).toBe(0);
    expect(output).toMatch(/2 alert\(s\)/);
    const newVersion = /The API now serves version (\d+)/.exec(output)?.[1];
    expect(newVersion, output).toBeDefined();
    expect(Number(newVersion)).toBeGreaterThan(1);
    expect((await modelVersions()).get(newVersion!)).toEqual(expect.arrayContaining(['production']));
    say(`drift -> retraining -> version ${newVersion} served`);
  });

  it('stops within the stop timeout and keeps registry data and the production log across down and up', async () => {
    const versionsBefore = await modelVersions();
    const servedBefore = await servedVersion();
    const rowsBefore = productionLogRows();
    expect(rowsBefore).toBeGreaterThanOrEqual(800);

    compose(['stop'], 120_000);
    const exited = compose(['ps', '--all', '--format', '{{.Service}} {{.ExitCode}}']).trim().split('\n');
    // 137 would mean SIGKILL after Compose's 10 s stop timeout: every service must stop on SIGTERM.
    for (const line of exited) expect(line, exited.join('; ')).not.toMatch(/ 137$/);
    compose(['down'], 120_000);
    say('down');
    compose(['up', '--detach', '--wait', '--wait-timeout', '300'], 360_000);
    say('up again');

    expect(await modelVersions()).toEqual(versionsBefore);
    expect(await servedVersion()).toBe(servedBefore);
    expect(productionLogRows()).toBe(rowsBefore);
  });
});
