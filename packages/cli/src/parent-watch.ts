/** How often the parent process id is checked, in milliseconds. */
export const PARENT_CHECK_MS = 1000;

/**
 * Calls `onGone` once when the process that started this one has ended (this process was then
 * handed to init or a subreaper, so its parent id changed). Covers what signal handlers cannot:
 * a parent killed with SIGKILL, or a wrapper such as pnpm that ends on SIGTERM without passing the
 * signal on. Does not keep the process alive; returns a function that stops watching.
 */
export function watchParent(onGone: () => void, intervalMs = PARENT_CHECK_MS): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
