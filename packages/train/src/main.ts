/** The training worker: hosts `trainingPipeline` and its activities on the `training` task queue. */
import { loadConfig, type Config } from '@mlops/core';
import { runTrainingWorker } from './worker.js';

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}
runTrainingWorker(config).catch((error: unknown) => {
  process.stderr.write(`train: ${(error as Error).message}\n`);
  process.exit(1);
});
