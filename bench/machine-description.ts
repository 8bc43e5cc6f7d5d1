/** The machine a benchmark ran on, as the drift and production-log results record it. */
import { cpus, freemem, loadavg, platform, release, totalmem } from 'node:os';

const twoDecimals = (values: number[]) => values.map((l) => Math.round(l * 100) / 100);

/**
 * CPU, cores, memory, OS and Node, then `extra` (e.g. how PostgreSQL ran), then the load average
 * before the run (`loadBefore`, taken by the caller at its start) and now: on a shared machine
 * the load explains a slow run.
 */
export function machineDescription(loadBefore: number[], extra: Record<string, string> = {}) {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memory_gb: Math.round(totalmem() / 2 ** 30),
    platform: `${platform()} ${release()}`,
    node: process.version,
    ...extra,
    load_average_before: twoDecimals(loadBefore),
    load_average_after: twoDecimals(loadavg()),
  };
}

/**
 * The machine as the registry benchmarks record it (camel-case keys, the raw load average and free
 * memory at the end of the run); each benchmark adds its server versions after these.
 */
export function registryMachineDescription() {
  return {
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    freeMemoryGiB: Number((freemem() / 2 ** 30).toFixed(1)),
    loadAverage: loadavg(),
    os: `${process.platform} ${release()}`,
    node: process.version,
  };
}
