/**
 * `@mlops/registry-client`: the typed client of the registry's MLflow REST subset.
 * The wire shapes it reads are `@mlops/registry-client/wire`.
 */
export {
  RegistryClient,
  type RegistryArtifactBody,
  type RegistryClientOptions,
  type SearchRunsOptions,
} from './client.js';
export {
  type ModelVersion,
  type RegisteredModel,
  type RegistryArtifactFile,
  type RegistryExperiment,
  type RegistryLifecycleStage,
  type RegistryMetric,
  type RegistryRun,
  type RegistryRunInfo,
  type RegistryRunStatus,
} from './entities.js';
export { RegistryClientError, RegistryUnavailableError } from './errors.js';
