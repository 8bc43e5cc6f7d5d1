/**
 * Runs the real registry entry point (src/main.ts) as a child process, the way
 * `pnpm mlops registry` does, so a test can SIGKILL it mid-write.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'main.ts');
const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface RegistryProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process wrote to stderr/stdout so far (for failure messages). */
  output(): string;
}

/** A port that was free a moment ago on 127.0.0.1 (REGISTRY_PORT must be 1..65535, so 0 is not an option). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts main.ts with `env` (on a free port unless REGISTRY_PORT is given) and resolves once it logs its URL. */
export async function startRegistryProcess(
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<RegistryProcess> {
  const port = env.REGISTRY_PORT ?? String(await freePort());
  // `node --import tsx` keeps it one process, so a SIGKILL really kills the server.
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      REGISTRY_HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      ...env,
      REGISTRY_PORT: port,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`registry did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        if (!line.includes('registry listening')) continue;
        try {
          const { url } = JSON.parse(line) as { url?: string };
          if (url) {
            clearTimeout(timer);
            resolve({ child, url, output: () => output });
            return;
          }
        } catch {
          // a partial line: wait for more output
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`registry exited early (code ${code}, signal ${signal}):\n${output}`));
    });
  });
}

/** Sends SIGTERM (or `signal`) and waits for the exit. */
export function stopRegistryProcess(
  process: RegistryProcess,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  return new Promise((resolve) => {
    if (process.child.exitCode !== null || process.child.signalCode !== null) {
      resolve();
      return;
    }
    process.child.once('exit', () => resolve());
    process.child.kill(signal);
  });
}
