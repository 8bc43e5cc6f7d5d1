import type { Client } from '@temporalio/client';
import { PRODUCTION_ALIAS, STAGING_ALIAS, type Logger } from '@mlops/core';
import { type RegistryClient } from '@mlops/registry-client';
import { type TrainingInput } from '@mlops/temporal';
import { startTrainingPipeline } from '@mlops/temporal/client';

/**
 * On a new stack (no `production` and no `staging` version of the model),
 * starts the training pipeline once so that the API has something to serve.
 * The training workflow id is fixed, so a second monitor start (or a
 * drift-triggered run already going) joins that run instead of starting another.
 * @returns whether a training run is now going (started by this call or already running)
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
  const { handle, runId, started } = await startTrainingPipeline(client, input);
  logger.info(
    { workflowId: handle.workflowId, runId },
    started
      ? `no ${modelName} model yet: training the first one`
      : `no ${modelName} model yet: a training run is already going`,
  );
  return true;
}
