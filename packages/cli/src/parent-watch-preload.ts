/**
 * Loaded with `--import` into every service the CLI starts (see service-processes.ts): when the CLI
 * process is gone, the service sends itself SIGTERM and so shuts down the way it does on a stop
 * from the CLI (the API commits its production log, the workers finish their activities).
 * The services run in process groups of their own, so without this they would outlive a CLI
 * killed with SIGKILL.
 */
import { watchParent } from './parent-watch.js';

watchParent(() => {
  // The output pipes led to the CLI: writing to them now fails with EPIPE, which must not crash the
  // shutdown before it has committed anything.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  process.kill(process.pid, 'SIGTERM');
});
