/** `@mlops/registry-client`: the typed client of the registry's MLflow REST subset. */
export {
  RegistryClient,
  RegistryClientError,
  RegistryUnavailableError,
  type ModelVersion,
  type RegisteredModel,
  type RegistryArtifactBody,
  type RegistryArtifactFile,
  type RegistryClientOptions,
  type RegistryExperiment,
  type RegistryLifecycleStage,
  type RegistryMetric,
  type RegistryRun,
  type RegistryRunInfo,
  type RegistryRunStatus,
  type SearchRunsOptions,
} from './client.js';
