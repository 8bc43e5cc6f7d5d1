/**
 * `mlops start` (what `pnpm start` runs): the whole stack as child processes,
 * until Ctrl-C. See stack.ts for the order of things.
 */
import { Command } from 'commander';
import { processIo, type CommandIo } from '../command-io.js';
import { readyBanner, startStack } from '../stack.js';

/** Resolves with the first of SIGINT/SIGTERM. */
function nextStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals) => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

export function startCommand(io: CommandIo = processIo): Command {
  return new Command('start')
    .description('start the whole stack: Temporal, registry, workers, API (trains a first model if needed)')
    .action(async () => {
      const stopSignal = nextStopSignal();
      let stopping = false;
      const stack = await Promise.race([
        startStack({ output: io.stdout }),
        stopSignal.then(() => {
          stopping = true;
          return null;
        }),
      ]);
      if (stack === null || stopping) {
        io.stderr.write('stopped before the stack was up\n');
        process.exitCode = 130;
        return;
      }
      io.stdout.write(readyBanner(stack.urls));
      const outcome = await Promise.race([stopSignal.then(() => 'signal' as const), stack.failed]);
      stack.group.log(
        'stack',
        outcome === 'signal' ? 'stopping...' : `stopping after ${outcome} failed...`,
        5,
      );
      await stack.stop();
      stack.group.log('stack', 'stopped', 5);
      process.exitCode = outcome === 'signal' ? 0 : 1;
    });
}
