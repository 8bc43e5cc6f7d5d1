/**
 * A server under benchmark run as a child process (`node --import tsx <script>`) on 127.0.0.1,
 * started on a free port and stopped with SIGTERM. The API and the hello-world ceiling read their
 * port from API_PORT and PORT respectively; both are set.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/support/free-port.js';

/** The repository root: child processes run there, so their scripts resolve as in `pnpm bench:*`. */
export const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The prediction API's entry point. */
export const API_MAIN = join(repositoryRoot, 'packages', 'api', 'src', 'main.ts');

/** A running benchmark server. */
export interface BenchServer {
  url: string;
  child: ChildProcess;
}

/**
 * Starts `script` with `env` on top of this process's environment and waits (up to 60 s) until
 * GET `readyPath` answers 200. The child's stderr is passed through, its stdout dropped.
 */
export async function startBenchServer(
  script: string,
  env: Record<string, string>,
  readyPath = '/ready',
): Promise<BenchServer> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: repositoryRoot,
    env: { ...process.env, ...env, PORT: String(port), API_PORT: String(port), API_HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode} on start`);
    try {
      if ((await fetch(`${url}${readyPath}`)).ok) return { url, child };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`${url}${readyPath} (${script}) did not answer 200 within 60 s`);
}

/** Sends SIGTERM (a graceful stop: the API flushes its production log) and waits for the exit. */
export async function stopBenchServer(server: BenchServer): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}
