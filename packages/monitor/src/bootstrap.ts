import type { Client } from '@temporalio/client';
import { PRODUCTION_ALIAS, STAGING_ALIAS, type Logger } from '@mlops/core';
import { type RegistryClient } from '@mlops/registry-client';
import {
  TRAINING_TASK_QUEUE,
  TRAINING_WORKFLOW_ID,
  TRAINING_WORKFLOW_TYPE,
  type TrainingInput,
} from '@mlops/temporal';

/**
 * On a new stack (no `production` and no `staging` version of the model),
 * starts the training pipeline once so that the API has something to serve.
 * Uses the fixed training workflow id with USE_EXISTING, so a second monitor
 * start (or a drift-triggered run already going) does not start another.
 * @returns whether a training run is now going because of this call
 */
export async function ensureFirstModel(
  client: Client,
  registry: RegistryClient,
  modelName: string,
  logger: Logger,
): Promise<boolean> {
  for (const alias of [PRODUCTION_ALIAS, STAGING_ALIAS]) {
    const version = await registry.getModelVersionByAlias(modelName, alias);
    if (version) return false;
  }
  const input: TrainingInput = { trigger: { reason: 'bootstrap' } };
  const handle = await client.workflow.start(TRAINING_WORKFLOW_TYPE, {
    workflowId: TRAINING_WORKFLOW_ID,
    taskQueue: TRAINING_TASK_QUEUE,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    memo: { trigger: input.trigger },
  });
  logger.info(
    { workflowId: handle.workflowId, runId: handle.firstExecutionRunId },
    `no ${modelName} model yet: training the first one`,
  );
  return true;
}
