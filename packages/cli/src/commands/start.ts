/**
 * `mlops start` (what `pnpm start` runs): the whole stack as child processes,
 * until Ctrl-C, SIGTERM, SIGHUP or the end of the parent process. See stack.ts
 * for the order of things and process-group.ts for restarts and stopping.
 */
import { Command } from 'commander';
import { processIo, type CommandIo } from '../command-io.js';
import { readyBanner, startStack, type RunningStack } from '../stack.js';
import { listenForStop, whenAborted } from '../stop-signals.js';

export function startCommand(io: CommandIo = processIo): Command {
  return new Command('start')
    .description('start the whole stack: Temporal, registry, workers, API (trains a first model if needed)')
    .action(async () => {
      let stack: RunningStack | null = null;
      const stop = listenForStop((reason) =>
        stack?.group.log('stack', `${reason}: already stopping, every service gets its grace period`, 5),
      );
      try {
        try {
          stack = await startStack({ output: io.stdout, signal: stop.signal });
        } catch (error) {
          if (!stop.signal.aborted) throw error;
          io.stderr.write('stopped before the stack was up\n');
          process.exitCode = 130;
          return;
        }
        io.stdout.write(readyBanner(stack.urls));
        const reason = await whenAborted(stop.signal);
        stack.group.log('stack', `${reason}: stopping...`, 5);
        await stack.stop();
        stack.group.log('stack', 'stopped', 5);
        process.exitCode = 0;
      } finally {
        stop.dispose();
      }
    });
}
