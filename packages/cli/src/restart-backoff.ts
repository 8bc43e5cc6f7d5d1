/**
 * How long to wait before restarting a crashed service: `initialMs` after the first crash, doubling
 * with each crash that follows quickly, at most `maxMs`. A run that stayed up `stableMs` or longer
 * resets the delay, so a service that crashes once a day restarts after `initialMs` every time.
 */
export class RestartBackoff {
  private delayMs: number;

  constructor(
    readonly initialMs = 1000,
    readonly maxMs = 30_000,
    readonly stableMs = 60_000,
  ) {
    this.delayMs = initialMs;
  }

  /** The delay before the next restart of a run that lasted `uptimeMs`. */
  next(uptimeMs: number): number {
    if (uptimeMs >= this.stableMs) this.delayMs = this.initialMs;
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.maxMs);
    return delay;
  }
}
