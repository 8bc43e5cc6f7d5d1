/**
 * The client's camelCase views of MLflow's wire entities (./wire.ts), and the
 * conversions between the two. Tags, params and aliases become records; metric
 * values become plain numbers (NaN and ±Infinity included).
 *
 * MLflow's server leaves unset protobuf fields out of its JSON, so a field with
 * a protobuf default (user_id, step, current_stage, status, run data) is read
 * with that default even where this registry always sends it.
 */
import * as wire from './wire.js';

export type RegistryRunStatus = wire.RunStatus;
export type RegistryLifecycleStage = wire.LifecycleStage;

export interface RegistryExperiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: RegistryLifecycleStage;
  creationTime: number;
  lastUpdateTime: number;
  tags: Record<string, string>;
}

export interface RegistryRunInfo {
  runId: string;
  experimentId: string;
  runName: string;
  userId: string;
  status: RegistryRunStatus;
  startTime?: number;
  endTime?: number;
  /** `mlflow-artifacts:/<experiment_id>/<run_id>/artifacts`. */
  artifactUri: string;
  lifecycleStage: RegistryLifecycleStage;
}

export interface RegistryRun {
  info: RegistryRunInfo;
  data: {
    /** Latest value of each metric (highest step). NaN and ±Infinity come back as numbers. */
    metrics: Record<string, number>;
    params: Record<string, string>;
    tags: Record<string, string>;
  };
}

export interface RegistryMetric {
  key: string;
  value: number;
  /** ms since epoch. */
  timestamp: number;
  step: number;
}

export interface RegistryArtifactFile {
  /** Path relative to the run's artifact root, e.g. `plots/confusion.png`. */
  path: string;
  isDir: boolean;
  /** Bytes; undefined for folders. */
  fileSize?: number;
}

export interface ModelVersion {
  name: string;
  /** Version number as a string ("1", "2", ...), as on the wire. */
  version: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  currentStage: string;
  description?: string;
  /** Where the model files are: usually `mlflow-artifacts:/...` or `runs:/<run_id>/<path>`. */
  source: string;
  runId?: string;
  status: string;
  tags: Record<string, string>;
  aliases: string[];
}

export interface RegisteredModel {
  name: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  description?: string;
  /** Alias -> version, e.g. `{ production: "3", staging: "4" }`. */
  aliases: Record<string, string>;
  tags: Record<string, string>;
  /** Latest version per stage (MLflow's deprecated stages; aliases are the current mechanism). */
  latestVersions: ModelVersion[];
}

/** Key-value pairs (tags, params) as a record; a repeated key keeps its last value. */
export function toRecord(list: wire.KeyValue[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { key, value } of list ?? []) out[key] = value;
  return out;
}

/** A record (tags) as the wire's key-value list. */
export function toKeyValues(record: Record<string, string>): wire.KeyValue[] {
  return Object.entries(record).map(([key, value]) => ({ key, value }));
}

export function toExperiment(e: wire.Experiment): RegistryExperiment {
  return {
    experimentId: e.experiment_id,
    name: e.name,
    artifactLocation: e.artifact_location,
    lifecycleStage: e.lifecycle_stage,
    creationTime: e.creation_time,
    lastUpdateTime: e.last_update_time,
    tags: toRecord(e.tags),
  };
}

export function toRunInfo(i: wire.RunInfo): RegistryRunInfo {
  const info: RegistryRunInfo = {
    runId: i.run_id,
    experimentId: i.experiment_id,
    runName: i.run_name,
    userId: i.user_id ?? '',
    status: i.status,
    artifactUri: i.artifact_uri,
    lifecycleStage: i.lifecycle_stage,
  };
  if (i.start_time !== undefined) info.startTime = i.start_time;
  if (i.end_time !== undefined) info.endTime = i.end_time;
  return info;
}

export function toRun(r: wire.Run): RegistryRun {
  const metrics: Record<string, number> = {};
  for (const m of r.data?.metrics ?? []) metrics[m.key] = wire.fromWireDouble(m.value);
  return {
    info: toRunInfo(r.info),
    data: { metrics, params: toRecord(r.data?.params), tags: toRecord(r.data?.tags) },
  };
}

export function toMetric(m: wire.Metric): RegistryMetric {
  return { key: m.key, value: wire.fromWireDouble(m.value), timestamp: m.timestamp, step: m.step ?? 0 };
}

/** A metric for the wire, non-finite values as MLflow's strings. */
export function toWireMetric(m: RegistryMetric): wire.Metric {
  return { key: m.key, value: wire.toWireDouble(m.value), timestamp: m.timestamp, step: m.step };
}

export function toArtifactFile(f: wire.FileInfo): RegistryArtifactFile {
  const file: RegistryArtifactFile = { path: f.path, isDir: f.is_dir };
  if (f.file_size !== undefined) file.fileSize = Number(f.file_size);
  return file;
}

export function toModelVersion(v: wire.ModelVersion): ModelVersion {
  const version: ModelVersion = {
    name: v.name,
    version: String(v.version),
    creationTimestamp: v.creation_timestamp,
    lastUpdatedTimestamp: v.last_updated_timestamp,
    currentStage: v.current_stage ?? 'None',
    source: v.source,
    status: v.status ?? 'READY',
    tags: toRecord(v.tags),
    aliases: v.aliases ?? [],
  };
  if (v.description !== undefined) version.description = v.description;
  if (v.run_id) version.runId = v.run_id;
  return version;
}

export function toRegisteredModel(m: wire.RegisteredModel): RegisteredModel {
  const aliases: Record<string, string> = {};
  for (const a of m.aliases ?? []) aliases[a.alias] = String(a.version);
  const model: RegisteredModel = {
    name: m.name,
    creationTimestamp: m.creation_timestamp,
    lastUpdatedTimestamp: m.last_updated_timestamp,
    aliases,
    tags: toRecord(m.tags),
    latestVersions: (m.latest_versions ?? []).map(toModelVersion),
  };
  if (m.description !== undefined) model.description = m.description;
  return model;
}
