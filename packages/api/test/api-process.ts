import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const repositoryRoot = join(packageRoot, '..', '..');

/** A free TCP port on loopback (closed again, so a process can bind it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * The real service entry point (`src/main.ts`) run with tsx as a child process on 127.0.0.1, for
 * tests that need a process to kill.
 */
export class ApiProcess {
  private static readonly started = new Set<ApiProcess>();
  readonly url: string;
  private stderr = '';
  private exitInfo: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly child: ChildProcess,
    port: number,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    child.stdout?.resume();
    this.exitInfo = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    ApiProcess.started.add(this);
    void this.exitInfo.then(() => ApiProcess.started.delete(this));
  }

  /** Kills (SIGKILL) every process a test started and did not stop, so a failed assertion leaks none. */
  static async killAll(): Promise<void> {
    await Promise.all([...ApiProcess.started].map((api) => api.kill('SIGKILL')));
  }

  /**
   * Starts main.ts with `env` on top of the test's environment and waits until /ready answers 200
   * (or, with `ready: false`, until /health answers).
   */
  static async start(
    env: Record<string, string>,
    options: { ready?: boolean; timeoutMs?: number; ownProcessGroup?: boolean } = {},
  ): Promise<ApiProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', join(packageRoot, 'src', 'main.ts')], {
      cwd: repositoryRoot,
      env: {
        ...process.env,
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
        ...env,
        API_HOST: '127.0.0.1',
        API_PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // A process group of its own lets a test signal it the way a terminal does (kill(-pid)).
      detached: options.ownProcessGroup === true,
    });
    const api = new ApiProcess(child, port);
    await api.waitFor(options.ready === false ? '/health' : '/ready', options.timeoutMs ?? 60_000);
    return api;
  }

  /** What the process wrote to stderr so far (for failure messages). */
  get errorOutput(): string {
    return this.stderr;
  }

  /** Waits until GET `path` answers 200. */
  async waitFor(path: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`api exited before it was ready:\n${this.stderr}`);
      }
      try {
        if ((await fetch(`${this.url}${path}`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`api: ${path} not 200 after ${timeoutMs} ms:\n${this.stderr}`);
  }

  /** Resolves when the process has exited. */
  get exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.exitInfo;
  }

  /** Sends a signal and waits for the process to exit. */
  async kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exitInfo;
  }
}
