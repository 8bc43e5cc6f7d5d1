/**
 * The monitoring service: runs the worker that hosts `monitoringPipeline` on
 * the `monitoring` task queue and, once it polls, keeps the
 * `monitoring-schedule` up to date and trains the first model of a new stack.
 */
import { loadConfigOrExit } from '@mlops/core';
import { ensureFirstModel } from './bootstrap.js';
import { ensureMonitoringSchedule } from './schedule.js';
import { runMonitoringWorker } from './worker.js';

const config = loadConfigOrExit();
runMonitoringWorker(config, async ({ client, registry, logger }) => {
  const outcome = await ensureMonitoringSchedule(client, {
    intervalMs: config.MONITOR_INTERVAL,
    minAlerts: config.DRIFT_MIN_ALERTS,
  });
  logger.info({ intervalMs: config.MONITOR_INTERVAL }, `monitoring schedule ${outcome}`);
  await ensureFirstModel(client, registry, config.MODEL_NAME, logger);
}).catch((error: unknown) => {
  process.stderr.write(`monitor: ${(error as Error).message}\n`);
  process.exit(1);
});
