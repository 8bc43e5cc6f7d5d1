/**
 * The training pipeline as a Temporal workflow: preprocess -> train -> register -> promote.
 * Sequencing only; every piece of I/O happens in an activity (see activities.ts).
 */
import { log, proxyActivities, setCurrentDetails, upsertMemo } from '@temporalio/workflow';
import { NON_RETRYABLE_ERROR_TYPES, type TrainingInput, type TrainingResult } from '@mlops/temporal';
import type { TrainingActivities } from './activities.js';

function activitiesFor(input: TrainingInput) {
  // The old flow's policy: two retries, five seconds apart.
  const retry = {
    maximumAttempts: 3,
    initialInterval: input.retryInterval ?? '5s',
    backoffCoefficient: 1,
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
  };
  const quick = proxyActivities<TrainingActivities>({ startToCloseTimeout: '10m', retry });
  const training = proxyActivities<TrainingActivities>({
    startToCloseTimeout: '2h',
    // A killed worker is noticed after one heartbeat timeout; the retry resumes from the checkpoint.
    heartbeatTimeout: input.heartbeatTimeout ?? '30s',
    retry,
  });
  return {
    preprocess: quick.preprocess,
    train: training.train,
    register: quick.register,
    promote: quick.promote,
  };
}

/** Trains a model from the raw listings, registers it and promotes it behind the quality gate. */
export async function trainingPipeline(input: TrainingInput): Promise<TrainingResult> {
  const { preprocess, train, register, promote } = activitiesFor(input);
  upsertMemo({ trigger: input.trigger });

  setCurrentDetails('preprocessing');
  const prepared = await preprocess(input);
  log.info('preprocessed', { nTrain: prepared.nTrain, nTest: prepared.nTest, nBadRows: prepared.nBadRows });

  setCurrentDetails(`training on ${prepared.nTrain} listings`);
  const trained = await train(input, prepared);

  setCurrentDetails('registering');
  const registered = await register(input, prepared, trained);

  setCurrentDetails(`promotion gate for version ${registered.version}`);
  const decision = await promote(prepared, trained, registered);
  setCurrentDetails(
    decision.promoted
      ? `version ${registered.version} promoted to production`
      : `version ${registered.version} kept in staging: ${decision.reason}`,
  );

  return {
    runId: registered.runId,
    modelName: registered.modelName,
    version: registered.version,
    metrics: trained.metrics,
    decision,
    resumedTrees: trained.resumedTrees,
  };
}
