/**
 * One service in the foreground: `mlops registry`, `mlops api`,
 * `mlops worker train|monitor`, `mlops temporal`. Each runs the same entry
 * module as `pnpm start` and the Docker images.
 */
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '@mlops/core';
import { processIo, type CommandIo } from '../command-io.js';
import { serviceEntryFile, type ServiceName } from '../service-processes.js';
import { startTemporalDevServer } from '../temporal-server.js';

async function runService(name: ServiceName): Promise<void> {
  // The entry module starts the service on import and handles its own signals.
  await import(serviceEntryFile(name));
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
      });
      io.stdout.write(`Temporal dev server on ${server.address}, web UI ${server.uiUrl} (Ctrl-C to stop)\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.stop();
    });
}
