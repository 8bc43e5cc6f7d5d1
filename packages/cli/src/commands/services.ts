/**
 * One service in the foreground: `mlops registry`, `mlops api`,
 * `mlops worker train|monitor`, `mlops temporal`. Each runs the same entry
 * module as `pnpm start` and the Docker images.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '@mlops/core';
import { processIo, type CommandIo } from '../command-io.js';
import { serviceProcessArgs, type ServiceName } from '../service-processes.js';
import { listenForStop, whenAborted } from '../stop-signals.js';
import { startTemporalDevServer } from '../temporal-server.js';

/**
 * Runs a service's entry module as a child process writing to this terminal, and ends with its
 * exit code. The child runs in a process group of its own, so a Ctrl-C reaches it once, from here,
 * not twice (from the terminal and from here); any stop request (SIGINT, SIGTERM, SIGHUP, the end
 * of the parent process) is passed on once, further ones are not. The child also stops by itself
 * when this process is gone (parent-watch-preload.mjs).
 */
async function runService(name: ServiceName): Promise<void> {
  const child = spawn(process.execPath, serviceProcessArgs(name), { stdio: 'inherit', detached: true });
  const stop = listenForStop();
  const exited = new Promise<number>((resolve) => {
    child.once('error', () => resolve(1));
    child.once('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });
  void whenAborted(stop.signal).then((reason) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(reason.startsWith('SIG') ? (reason as NodeJS.Signals) : 'SIGTERM');
    }
  });
  try {
    process.exitCode = await exited;
  } finally {
    stop.dispose();
  }
}

export function registryCommand(): Command {
  return new Command('registry')
    .description('run the registry (tracking + model registry + web UI) on REGISTRY_PORT')
    .action(() => runService('registry'));
}

export function apiCommand(): Command {
  return new Command('api').description('run the prediction API on API_PORT').action(() => runService('api'));
}

export function workerCommand(): Command {
  return new Command('worker')
    .description('run one Temporal worker: train (task queue training) or monitor (task queue monitoring)')
    .argument('<kind>', 'train or monitor', (value: string) => {
      if (value !== 'train' && value !== 'monitor') {
        throw new InvalidArgumentError(`expected train or monitor, got "${value}"`);
      }
      return value;
    })
    .action((kind: 'train' | 'monitor') => runService(kind));
}

export function temporalCommand(io: CommandIo = processIo): Command {
  return new Command('temporal')
    .description('run the Temporal dev server (web UI on TEMPORAL_UI_PORT, state in DATA_DIR/temporal/)')
    .action(async () => {
      const config = loadConfig();
      const server = await startTemporalDevServer({
        address: config.TEMPORAL_ADDRESS,
        uiPort: config.TEMPORAL_UI_PORT,
        namespace: config.TEMPORAL_NAMESPACE,
        dbFile: join(config.DATA_DIR, 'temporal', 'temporal.db'),
        onOutput: (line) => io.stderr.write(`${line}\n`),
      });
      io.stdout.write(`Temporal dev server on ${server.address}, web UI ${server.uiUrl} (Ctrl-C to stop)\n`);
      const stop = listenForStop();
      try {
        await whenAborted(stop.signal);
        await server.stop();
      } finally {
        stop.dispose();
      }
    });
}
