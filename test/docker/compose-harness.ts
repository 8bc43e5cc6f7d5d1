/**
 * What the Compose end-to-end tests share: running `docker compose` for one project (and its
 * compose files) with the classic builder, timed log lines, JSON over HTTP, the registry's
 * model versions.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const registryUrl = 'http://127.0.0.1:5000';
export const apiUrl = 'http://127.0.0.1:8081';
const started = Date.now();

/** Elapsed time since the file started, for the log lines that time each step. */
function elapsed(): string {
  return `${((Date.now() - started) / 1000).toFixed(1)} s`;
}

export function say(line: string): void {
  process.stdout.write(`compose e2e [${elapsed()}] ${line}\n`);
}

export const composeEnv: NodeJS.ProcessEnv = {
  ...process.env,
  COMPOSE_PROFILES: 'local-temporal',
  // The classic builder: BuildKit needs a registry to resolve its frontend. One build at a time,
  // so the four images share the build stage the first one built.
  DOCKER_BUILDKIT: '0',
  COMPOSE_PARALLEL_LIMIT: '1',
};

/** Runs a command to completion; throws with its output when it fails. */
export function run(command: string, args: string[], timeoutMs: number): SpawnSyncReturns<string> {
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

/** `docker compose` for one project and its compose files. */
export function composeProject(
  project: string,
  files: readonly string[] = [],
): { compose(args: string[], timeoutMs?: number): string; downQuietly(): void } {
  const base = ['compose', '-p', project, ...files.flatMap((file) => ['-f', file])];
  return {
    compose: (args, timeoutMs = 120_000) => run('docker', [...base, ...args], timeoutMs).stdout,
    downQuietly: () => {
      spawnSync('docker', [...base, 'down', '--volumes', '--remove-orphans'], {
        cwd: root,
        env: composeEnv,
        timeout: 120_000,
      });
    },
  };
}

export async function json<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch {
    // A keep-alive connection pooled before `down` is dead after `up`: the second attempt opens a new one.
    response = await fetch(url, init);
  }
  return { status: response.status, body: (await response.json()) as T };
}

interface ModelVersionsAnswer {
  model_versions?: { version: string; aliases?: string[] }[];
}

/** The registered model's versions and their aliases. */
export async function modelVersions(): Promise<Map<string, string[]>> {
  const { body } = await json<ModelVersionsAnswer>(
    `${registryUrl}/api/2.0/mlflow/model-versions/search?filter=${encodeURIComponent("name='HousingPriceClassifier'")}`,
  );
  return new Map((body.model_versions ?? []).map((v) => [v.version, v.aliases ?? []]));
}

/**
 * `mlops demo drift --seed 1` against the stack on the default ports (drifted traffic through the API,
 * a monitoring run started at once, followed until a new version serves); its exit code and output.
 */
export async function runDriftDemo(dataDir: string): Promise<{ code: number | null; output: string }> {
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
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
      },
    },
  );
  let output = '';
  demo.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  demo.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => demo.once('exit', resolve));
  return { code, output };
}

/**
 * Before a Compose test: the base images (built locally only when they cannot be pulled; with
 * `scale`, also those of the scale stack), a clean project (`down --volumes`) and the service images.
 */
export function prepareStack(compose: (args: string[], timeoutMs?: number) => string, scale = false): void {
  const version = run('docker', ['compose', 'version', '--short'], 30_000).stdout.trim();
  say(`Docker Compose ${version}`);
  const standIns = join(root, 'scripts/docker-stand-in-images.sh');
  run('bash', [standIns], 30 * 60_000);
  if (scale) run('bash', [standIns, '--scale'], 30 * 60_000);
  say(scale ? 'base images ready (scale stack)' : 'base images ready');
  compose(['down', '--volumes', '--remove-orphans'], 120_000);
  compose(['build'], 30 * 60_000);
  say('images built');
}
