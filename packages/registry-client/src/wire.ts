/**
 * MLflow's entities in their JSON wire shape (snake_case, string ids, ms
 * timestamps): what the registry's stores return and its routes send, and what
 * the registry client reads before turning it into camelCase views. One
 * definition for both sides, as MLflow's SQL store and REST store share one
 * entities module.
 *
 * `@mlops/registry-client/wire`: types and pure functions only, no imports, so
 * the registry takes these without the HTTP client.
 */

/** A double on the wire: non-finite values travel as strings, as protobuf JSON does. */
export type WireDouble = number | 'NaN' | 'Infinity' | '-Infinity';

/** A tag or a param. */
export interface KeyValue {
  key: string;
  value: string;
}

export type LifecycleStage = 'active' | 'deleted';
export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
export const RUN_STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';
export const VIEW_TYPES: readonly ViewType[] = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'];

export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: LifecycleStage;
  creation_time: number;
  last_update_time: number;
  tags?: KeyValue[];
}

export interface Metric {
  key: string;
  value: WireDouble;
  timestamp: number;
  step: number;
}

export interface RunInfo {
  run_id: string;
  run_uuid: string;
  experiment_id: string;
  run_name: string;
  user_id: string;
  status: RunStatus;
  start_time?: number;
  end_time?: number;
  /** `mlflow-artifacts:/<experiment_id>/<run_id>/artifacts`. */
  artifact_uri: string;
  lifecycle_stage: LifecycleStage;
}

export interface RunData {
  metrics?: Metric[];
  params?: KeyValue[];
  tags?: KeyValue[];
}

export interface Run {
  info: RunInfo;
  data: RunData;
}

/** One entry of an artifact listing: `path` is relative to the run's artifact root. */
export interface FileInfo {
  path: string;
  is_dir: boolean;
  /** Bytes; absent for directories. */
  file_size?: number;
}

export type ModelVersionStatus = 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';
export const MODEL_STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export type ModelStage = (typeof MODEL_STAGES)[number];

export interface ModelVersion {
  name: string;
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description?: string;
  user_id?: string;
  current_stage: ModelStage;
  source: string;
  run_id?: string;
  run_link?: string;
  status: ModelVersionStatus;
  tags?: KeyValue[];
  aliases?: string[];
}

export interface RegisteredModelAlias {
  alias: string;
  version: string;
}

export interface RegisteredModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description?: string;
  latest_versions?: ModelVersion[];
  tags?: KeyValue[];
  aliases?: RegisteredModelAlias[];
}

/** Encodes a number for the wire, keeping NaN and ±Infinity as MLflow's strings. */
export function toWireDouble(value: number): WireDouble {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

/**
 * Decodes a double read from the wire: a number, one of MLflow's non-finite
 * strings, or any other numeric string (protobuf JSON allows those too).
 */
export function fromWireDouble(value: number | string): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  return Number(value);
}
