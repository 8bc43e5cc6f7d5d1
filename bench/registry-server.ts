/**
 * Our registry (packages/registry/src/main.ts) as the registry benchmarks run it: a child process
 * on 127.0.0.1 with LOG_LEVEL=warn and no token, its output passed through.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../test/support/free-port.js';
import type { BenchServer } from './bench-server.js';
import { repositoryRoot } from './bench-server.js';

/**
 * Waits until the MLflow API of `url` answers (GET experiments/get for the default experiment),
 * failing early when `child` exits; `what` names the server in the error.
 */
export async function waitUntilServing(
  url: string,
  child: ChildProcess,
  seconds: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode} on start`);
    try {
      if ((await fetch(`${url}/api/2.0/mlflow/experiments/get?experiment_id=0`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not start within ${seconds} s`);
}

/**
 * Starts the registry on the store `registryDb` (a SQLite file or a PostgreSQL URL) with its
 * artifacts under `dir`/mlruns, and waits up to `startSeconds` for it to serve.
 */
export async function startRegistryServer(
  registryDb: string,
  dir: string,
  startSeconds: number,
): Promise<BenchServer> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(repositoryRoot, 'packages', 'registry', 'src', 'main.ts')],
    {
      cwd: repositoryRoot,
      env: {
        ...process.env,
        REGISTRY_PORT: String(port),
        REGISTRY_HOST: '127.0.0.1',
        REGISTRY_DB: registryDb,
        REGISTRY_ARTIFACT_ROOT: join(dir, 'mlruns'),
        REGISTRY_TOKEN: '',
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilServing(url, child, startSeconds, 'the registry');
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return { url, child };
}
