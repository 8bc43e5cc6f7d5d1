import { watchParent } from './parent-watch.js';

/** The signals that stop a long-running command: Ctrl-C, a service manager's stop, a closed terminal. */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export interface StopRequests {
  /** Aborted at the first stop request; its reason is the signal name or `parent exited`. */
  signal: AbortSignal;
  /** Removes the handlers. */
  dispose(): void;
}

/**
 * Turns every way a long-running command is asked to stop into one AbortSignal: SIGINT, SIGTERM,
 * SIGHUP, and the end of the parent process (pnpm ends on SIGTERM without passing it on). The
 * handlers stay installed until dispose(), so a second Ctrl-C during the stop calls `onRepeat`
 * instead of killing this process half-way and leaving its children running.
 */
export function listenForStop(onRepeat: (reason: string) => void = () => {}): StopRequests {
  const controller = new AbortController();
  const request = (reason: string) => {
    if (controller.signal.aborted) onRepeat(reason);
    else controller.abort(reason);
  };
  const onSignal = (signal: NodeJS.Signals) => request(signal);
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  const stopWatching = watchParent(() => request('parent exited'));
  return {
    signal: controller.signal,
    dispose() {
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
      stopWatching();
    },
  };
}

/** Resolves with the abort reason once `signal` is aborted. */
export function whenAborted(signal: AbortSignal): Promise<string> {
  if (signal.aborted) return Promise.resolve(String(signal.reason));
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(String(signal.reason)), { once: true }),
  );
}
