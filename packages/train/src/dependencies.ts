import type { Config, Logger } from '@mlops/core';
import type { RegistryClient } from '@mlops/registry-client';

/** What the training activities run with: built once per worker, handed to `createActivities`. */
export interface TrainingDependencies {
  config: Config;
  registry: RegistryClient;
  logger: Logger;
}
