import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname } from 'node:path';
import { ensureTemporalCli } from './temporal-binary.js';
import { type Logger } from '@mlops/core';
import { DRIFT_ALERT_COUNT_ATTRIBUTE } from '@mlops/temporal';

export interface TemporalDevServerOptions {
  /** gRPC address to listen on, host:port (TEMPORAL_ADDRESS). */
  address: string;
  /** Web UI port (TEMPORAL_UI_PORT). */
  uiPort: number;
  /** Namespace to create besides `default`. */
  namespace: string;
  /** SQLite file that keeps the server's state across restarts (folder created). */
  dbFile: string;
  logger?: Logger;
  /** Progress lines of a first-time build of the Temporal CLI (default: to `logger`). */
  onOutput?: (line: string) => void;
  /** Milliseconds to wait for the server to accept connections. Default 60 s. */
  readyTimeoutMs?: number;
  /** Where the server's own output goes; default: the parent's stderr. */
  output?: 'inherit' | 'pipe' | 'ignore';
}

export interface TemporalDevServer {
  process: ChildProcess;
  address: string;
  uiUrl: string;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s) and waits for it to exit. */
  stop(): Promise<void>;
}

function splitAddress(address: string): { host: string; port: number } {
  const index = address.lastIndexOf(':');
  const port = Number(address.slice(index + 1));
  if (index <= 0 || !Number.isInteger(port)) {
    throw new Error(`TEMPORAL_ADDRESS must look like host:port, got "${address}"`);
  }
  return { host: address.slice(0, index), port };
}

/** Resolves true when something accepts TCP connections at host:port. */
export function isPortOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface DevServerCommand {
  command: string;
  args: string[];
  host: string;
  port: number;
  uiUrl: string;
}

/**
 * The command line of `temporal server start-dev` for these options: state in
 * `dbFile`, web UI on `uiPort`, the drift search attribute registered.
 * Builds the CLI first when it is missing (see ensureTemporalCli) and refuses a
 * port that is already taken.
 */
export async function devServerCommand(options: TemporalDevServerOptions): Promise<DevServerCommand> {
  const { host, port } = splitAddress(options.address);
  if (await isPortOpen(host, port)) {
    throw new Error(
      `Port ${port} on ${host} is already in use: another Temporal server (or another program) is running there. ` +
        `Stop it, or set TEMPORAL_ADDRESS to a free port.`,
    );
  }
  const command = await ensureTemporalCli({
    onOutput: options.onOutput ?? ((line) => options.logger?.info(line)),
  });
  mkdirSync(dirname(options.dbFile), { recursive: true });
  const ip = host === 'localhost' ? '127.0.0.1' : host;
  const args = [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(port),
    '--ui-port',
    String(options.uiPort),
    '--db-filename',
    options.dbFile,
    // Warnings are mostly its own internal pollers reconnecting while it shuts down.
    '--log-level',
    'error',
    '--search-attribute',
    `${DRIFT_ALERT_COUNT_ATTRIBUTE}=Int`,
  ];
  if (options.namespace !== 'default') args.push('--namespace', options.namespace);
  return { command, args, host: ip, port, uiUrl: `http://${host}:${options.uiPort}` };
}

/** Resolves once host:port accepts connections; rejects after `timeoutMs` or when `failed()` returns a reason. */
export async function waitForPort(
  host: string,
  port: number,
  timeoutMs: number,
  failed: () => string | undefined = () => undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await isPortOpen(host, port, 500))) {
    const reason = failed();
    if (reason) throw new Error(reason);
    if (Date.now() > deadline)
      throw new Error(`Nothing accepted connections on ${host}:${port} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Starts `temporal server start-dev` (see devServerCommand) and resolves once
 * the gRPC port accepts connections.
 */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const { command, args, host, port, uiUrl } = await devServerCommand(options);
  const output = options.output ?? 'inherit';
  const child = spawn(command, args, { stdio: ['ignore', output, output] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let exitCode: number | null = null;
  child.once('exit', (code) => (exitCode = code));
  try {
    await waitForPort(host, port, options.readyTimeoutMs ?? 60_000, () =>
      exitCode !== null
        ? `The Temporal dev server exited with code ${exitCode} before it was ready`
        : undefined,
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  options.logger?.info({ address: `${host}:${port}`, ui: uiUrl }, 'Temporal dev server ready');
  return {
    process: child,
    address: `${host}:${port}`,
    uiUrl,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
