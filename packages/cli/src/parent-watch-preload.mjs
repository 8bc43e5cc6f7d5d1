/**
 * Loaded with `--import` into every service the CLI starts (see service-processes.ts): when the CLI
 * process is gone (this process was handed to init or a subreaper, so its parent id changed), the
 * service sends itself SIGTERM and so shuts down the way it does on a stop from the CLI (the API
 * commits its production log, the workers finish their activities). The services run in process
 * groups of their own, so without this they would outlive a CLI killed with SIGKILL.
 *
 * Plain JavaScript without imports of TypeScript modules: Node also loads it into the worker
 * threads of the service (Temporal's workflow thread), where the TypeScript loader may not be
 * registered yet. It only acts on the main thread.
 */
import process from 'node:process';
import { clearInterval, setInterval } from 'node:timers';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    // The output pipes led to the CLI: writing to them now fails with EPIPE, which must not crash
    // the shutdown before it has committed anything.
    for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
    process.kill(process.pid, 'SIGTERM');
  }, 1000);
  timer.unref();
}
