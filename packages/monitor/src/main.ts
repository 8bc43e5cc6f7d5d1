/**
 * The monitoring worker: hosts `monitoringPipeline` on the `monitoring` task
 * queue, keeps the `monitoring-schedule` up to date, and trains the first
 * model of a new stack.
 */
import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import { createLogger, loadConfigOrExit, type Config } from '@mlops/core';
import { RegistryClient } from '@mlops/registry-client';
import { MONITORING_TASK_QUEUE } from '@mlops/temporal';
import { connectClient, runWorker } from '@mlops/temporal/worker-host';
import { createActivities } from './activities.js';
import { ensureFirstModel } from './bootstrap.js';
import { ensureMonitoringSchedule } from './schedule.js';

async function main(config: Config): Promise<void> {
  const logger = createLogger({ name: 'monitor', level: config.LOG_LEVEL });
  const registry = new RegistryClient({
    baseUrl: config.REGISTRY_URL,
    token: config.REGISTRY_TOKEN,
    retries: 5,
  });
  await runWorker({
    address: config.TEMPORAL_ADDRESS,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: MONITORING_TASK_QUEUE,
    workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
    activities: createActivities({ config, registry, logger }),
    logger,
    onRunning: async () => {
      const connection = await connectClient(config.TEMPORAL_ADDRESS, logger);
      try {
        const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
        const outcome = await ensureMonitoringSchedule(client, {
          intervalMs: config.MONITOR_INTERVAL,
          minAlerts: config.DRIFT_MIN_ALERTS,
        });
        logger.info({ intervalMs: config.MONITOR_INTERVAL }, `monitoring schedule ${outcome}`);
        await ensureFirstModel(client, registry, config.MODEL_NAME, logger);
      } finally {
        await connection.close();
      }
    },
  });
}

const config = loadConfigOrExit();
main(config).catch((error: unknown) => {
  process.stderr.write(`monitor: ${(error as Error).message}\n`);
  process.exit(1);
});
