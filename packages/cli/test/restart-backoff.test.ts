import { describe, expect, it } from 'vitest';
import { RestartBackoff } from '../src/restart-backoff.js';

describe('RestartBackoff', () => {
  it('waits 1 s, doubling with each quick crash, at most 30 s', () => {
    const backoff = new RestartBackoff();
    expect([1, 2, 3, 4, 5, 6, 7].map(() => backoff.next(500))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000,
    ]);
  });

  it('starts again at 1 s after a run that stayed up a minute', () => {
    const backoff = new RestartBackoff();
    backoff.next(0);
    backoff.next(0);
    expect(backoff.next(60_000)).toBe(1000);
    expect(backoff.next(10)).toBe(2000);
  });
});
