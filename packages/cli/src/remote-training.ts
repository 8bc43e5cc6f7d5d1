/**
 * `mlops train --remote`: starts the training workflow on the Temporal server
 * (or joins the one already running) and follows it to completion, showing
 * which activity runs and how far it is (trees, then boosting rounds).
 */
import { defaultPayloadConverter } from '@temporalio/common';
import { type Config } from '@mlops/core';
import { type TrainingInput, type TrainingResult } from '@mlops/temporal';
import { startTrainingPipeline } from '@mlops/temporal/client';
import { withTemporalClient } from './temporal-client.js';

export interface RemoteTrainingOptions {
  config: Config;
  trees?: number;
  seed?: number;
  /**
   * Progress (the running activity, and what it reported done: "40/100 trees",
   * "300/800 boosting rounds", or null); called when something changed.
   */
  onProgress?: (step: string, done: string | null) => void;
}

export interface RemoteTrainingOutcome {
  /** False when a training run was already going and this call followed it. */
  started: boolean;
  runId: string;
  result: TrainingResult;
}

/** Starts (or joins) the training workflow and waits for its result. */
export async function runRemoteTraining(options: RemoteTrainingOptions): Promise<RemoteTrainingOutcome> {
  const { config } = options;
  return withTemporalClient(config, async (client) => {
    const trees = options.trees ?? config.TRAIN_TREES;
    const input: TrainingInput = { trigger: { reason: 'manual' }, trees };
    if (options.seed !== undefined) input.seed = options.seed;
    const { handle, runId, started } = await startTrainingPipeline(client, input);
    const result = handle.result();
    let done = false;
    void result.finally(() => (done = true)).catch(() => undefined);
    let last = '';
    while (!done) {
      const now = await handle.describe().catch(() => null);
      const pending = now?.raw.pendingActivities?.[0];
      if (pending) {
        const step = pending.activityType?.name ?? 'activity';
        const payload = pending.heartbeatDetails?.payloads?.[0];
        const beat = payload
          ? (defaultPayloadConverter.fromPayload(payload) as {
              treesDone?: number;
              boostingRoundsDone?: number;
              boostingRounds?: number;
            })
          : undefined;
        const done =
          beat?.boostingRoundsDone !== undefined
            ? `${beat.boostingRoundsDone}/${beat.boostingRounds ?? '?'} boosting rounds`
            : beat?.treesDone !== undefined
              ? `${beat.treesDone}/${trees} trees`
              : null;
        const key = `${step}:${done ?? ''}`;
        if (key !== last) {
          last = key;
          options.onProgress?.(step, done);
        }
      }
      await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, 500))]);
    }
    return { started, runId, result: await result };
  });
}
