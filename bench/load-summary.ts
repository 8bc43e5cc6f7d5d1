/**
 * What the registry benchmarks keep of an autocannon run, and the median they
 * report over rounds.
 */

/** The part of autocannon's result the benchmarks read. */
export interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; average: number; max: number };
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}

export type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

/** One load run as written to bench/results. */
export interface LoadSummary {
  requestsPerSecond: number;
  total: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latencyMs: { p50: number; p90: number; p99: number; average: number; max: number };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function summarise(result: AutocannonResult): LoadSummary {
  return {
    requestsPerSecond: Math.round(result.requests.average),
    total: result.requests.total,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      average: Number(result.latency.average.toFixed(2)),
      max: result.latency.max,
    },
  };
}
