import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import type { Config, Logger } from '@mlops/core';
import { RegistryClient } from '@mlops/registry-client';
import { MONITORING_TASK_QUEUE } from '@mlops/temporal';
import { startWorker } from '@mlops/temporal/worker-host';
import { createActivities } from './activities.js';

/** The module holding this queue's workflows. */
export const MONITORING_WORKFLOWS_PATH = fileURLToPath(new URL('./workflows.ts', import.meta.url));

/** What the monitor's start-up work gets once its worker polls the queue. */
export interface MonitorStartContext {
  /** A client on the monitor's namespace, open until the start-up work returns. */
  client: Client;
  /** The registry client the activities use. */
  registry: RegistryClient;
  logger: Logger;
}

/**
 * Runs the monitoring worker until SIGINT/SIGTERM. `onRunning` runs once the
 * worker polls the `monitoring` queue; if it throws, the worker stops and this
 * rejects.
 */
export async function runMonitoringWorker(
  config: Config,
  onRunning?: (context: MonitorStartContext) => Promise<void>,
): Promise<void> {
  const registry = new RegistryClient({
    baseUrl: config.REGISTRY_URL,
    token: config.REGISTRY_TOKEN,
    retries: 5,
  });
  await startWorker({
    service: 'monitor',
    config,
    taskQueue: MONITORING_TASK_QUEUE,
    workflowsPath: MONITORING_WORKFLOWS_PATH,
    activities: (logger) => createActivities({ config, registry, logger }),
    onRunning: onRunning && (({ client, logger }) => onRunning({ client, registry, logger })),
  });
}
