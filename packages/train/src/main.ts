/** The training worker: hosts `trainingPipeline` and its activities on the `training` task queue. */
import { loadConfigOrExit } from '@mlops/core';
import { runTrainingWorker } from './worker.js';

const config = loadConfigOrExit();
runTrainingWorker(config).catch((error: unknown) => {
  process.stderr.write(`train: ${(error as Error).message}\n`);
  process.exit(1);
});
