import { fileURLToPath } from 'node:url';
import type { Config } from '@mlops/core';
import { RegistryClient } from '@mlops/registry-client';
import { TRAINING_TASK_QUEUE } from '@mlops/temporal';
import { startWorker } from '@mlops/temporal/worker-host';
import { createActivities } from './activities.js';

/** The module holding this queue's workflows. */
export const TRAINING_WORKFLOWS_PATH = fileURLToPath(new URL('./workflows.ts', import.meta.url));

/** Runs the training worker until SIGINT/SIGTERM (in-flight training gets 30 s, then resumes elsewhere from its checkpoint). */
export async function runTrainingWorker(config: Config): Promise<void> {
  const registry = new RegistryClient({
    baseUrl: config.REGISTRY_URL,
    token: config.REGISTRY_TOKEN,
    retries: 5,
  });
  await startWorker({
    service: 'train',
    config,
    taskQueue: TRAINING_TASK_QUEUE,
    workflowsPath: TRAINING_WORKFLOWS_PATH,
    activities: (logger) => createActivities({ config, registry, logger }),
  });
}
