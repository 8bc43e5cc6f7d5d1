import { describe, expect, it } from 'vitest';
import {
  toArtifactFile,
  toExperiment,
  toKeyValues,
  toMetric,
  toModelVersion,
  toRecord,
  toRegisteredModel,
  toRun,
  toRunInfo,
  toWireMetric,
} from '../src/entities.js';
import type * as wire from '../src/wire.js';

/** JSON as an MLflow server may send it: unset protobuf fields left out. */
function sent<T>(json: object): T {
  return json as T;
}

const runInfo: wire.RunInfo = {
  run_id: 'abc',
  run_uuid: 'abc',
  experiment_id: '1',
  run_name: 'r1',
  user_id: 'ml',
  status: 'FINISHED',
  start_time: 10,
  end_time: 20,
  artifact_uri: 'mlflow-artifacts:/1/abc/artifacts',
  lifecycle_stage: 'active',
};

const modelVersion: wire.ModelVersion = {
  name: 'Clf',
  version: '2',
  creation_timestamp: 1,
  last_updated_timestamp: 2,
  description: 'second',
  current_stage: 'Staging',
  source: 'runs:/abc/model',
  run_id: 'abc',
  status: 'READY',
  tags: [{ key: 'gate', value: 'passed' }],
  aliases: ['production'],
};

describe('key-value lists', () => {
  it('turns tags into a record (last value wins) and back', () => {
    expect(
      toRecord([
        { key: 'a', value: '1' },
        { key: 'b', value: '2' },
        { key: 'a', value: '3' },
      ]),
    ).toEqual({ a: '3', b: '2' });
    expect(toRecord(undefined)).toEqual({});
    expect(toKeyValues({ a: '1', b: '2' })).toEqual([
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
    ]);
  });
});

describe('tracking entities', () => {
  it('views an experiment with its tags as a record', () => {
    const experiment: wire.Experiment = {
      experiment_id: '1',
      name: 'housing',
      artifact_location: 'mlflow-artifacts:/1',
      lifecycle_stage: 'deleted',
      creation_time: 5,
      last_update_time: 6,
      tags: [{ key: 'team', value: 'ml' }],
    };
    expect(toExperiment(experiment)).toEqual({
      experimentId: '1',
      name: 'housing',
      artifactLocation: 'mlflow-artifacts:/1',
      lifecycleStage: 'deleted',
      creationTime: 5,
      lastUpdateTime: 6,
      tags: { team: 'ml' },
    });
  });

  it('views run info, leaving out absent times and reading an absent user as empty', () => {
    expect(toRunInfo(runInfo)).toEqual({
      runId: 'abc',
      experimentId: '1',
      runName: 'r1',
      userId: 'ml',
      status: 'FINISHED',
      startTime: 10,
      endTime: 20,
      artifactUri: 'mlflow-artifacts:/1/abc/artifacts',
      lifecycleStage: 'active',
    });
    const { user_id: _user, start_time: _start, end_time: _end, ...running } = runInfo;
    const info = toRunInfo(sent({ ...running, status: 'RUNNING' }));
    expect(info.userId).toBe('');
    expect(info).not.toHaveProperty('startTime');
    expect(info).not.toHaveProperty('endTime');
  });

  it('views a run with metric values as numbers (non-finite included) and empty records without data', () => {
    const run = toRun({
      info: runInfo,
      data: {
        metrics: [
          { key: 'f1', value: 0.8, timestamp: 1, step: 0 },
          { key: 'drift', value: 'NaN', timestamp: 1, step: 0 },
          { key: 'loss', value: '-Infinity', timestamp: 1, step: 0 },
        ],
        params: [{ key: 'trees', value: '100' }],
        tags: [{ key: 'mlflow.runName', value: 'r1' }],
      },
    });
    expect(run.data.metrics.f1).toBe(0.8);
    expect(run.data.metrics.drift).toBeNaN();
    expect(run.data.metrics.loss).toBe(-Infinity);
    expect(run.data.params).toEqual({ trees: '100' });
    expect(run.data.tags).toEqual({ 'mlflow.runName': 'r1' });
    expect(toRun(sent({ info: runInfo })).data).toEqual({ metrics: {}, params: {}, tags: {} });
  });

  it('reads a metric with an absent step as step 0, and writes non-finite values as strings', () => {
    expect(toMetric({ key: 'f1', value: 'Infinity', timestamp: 3, step: 2 })).toEqual({
      key: 'f1',
      value: Infinity,
      timestamp: 3,
      step: 2,
    });
    expect(toMetric(sent({ key: 'f1', value: 0.5, timestamp: 3 })).step).toBe(0);
    expect(toWireMetric({ key: 'drift', value: Number.NaN, timestamp: 4, step: 1 })).toEqual({
      key: 'drift',
      value: 'NaN',
      timestamp: 4,
      step: 1,
    });
  });

  it('views an artifact listing entry, a folder without a size', () => {
    expect(toArtifactFile({ path: 'report.md', is_dir: false, file_size: 8 })).toEqual({
      path: 'report.md',
      isDir: false,
      fileSize: 8,
    });
    expect(toArtifactFile({ path: 'plots', is_dir: true })).toEqual({ path: 'plots', isDir: true });
  });
});

describe('model registry entities', () => {
  it('views a model version, with MLflow defaults for fields a server leaves out', () => {
    expect(toModelVersion(modelVersion)).toEqual({
      name: 'Clf',
      version: '2',
      creationTimestamp: 1,
      lastUpdatedTimestamp: 2,
      currentStage: 'Staging',
      description: 'second',
      source: 'runs:/abc/model',
      runId: 'abc',
      status: 'READY',
      tags: { gate: 'passed' },
      aliases: ['production'],
    });
    const bare = toModelVersion(
      sent({
        name: 'Clf',
        version: 3,
        creation_timestamp: 1,
        last_updated_timestamp: 1,
        source: 's',
        run_id: '',
      }),
    );
    expect(bare).toEqual({
      name: 'Clf',
      version: '3',
      creationTimestamp: 1,
      lastUpdatedTimestamp: 1,
      currentStage: 'None',
      source: 's',
      status: 'READY',
      tags: {},
      aliases: [],
    });
  });

  it('views a registered model with its aliases as a record and its latest versions', () => {
    const model = toRegisteredModel({
      name: 'Clf',
      creation_timestamp: 1,
      last_updated_timestamp: 2,
      description: 'price classes',
      latest_versions: [modelVersion],
      tags: [{ key: 'owner', value: 'ml' }],
      aliases: [
        { alias: 'production', version: '2' },
        { alias: 'staging', version: '3' },
      ],
    });
    expect(model).toMatchObject({
      name: 'Clf',
      description: 'price classes',
      aliases: { production: '2', staging: '3' },
      tags: { owner: 'ml' },
    });
    expect(model.latestVersions).toEqual([toModelVersion(modelVersion)]);
    expect(toRegisteredModel({ name: 'Empty', creation_timestamp: 1, last_updated_timestamp: 1 })).toEqual({
      name: 'Empty',
      creationTimestamp: 1,
      lastUpdatedTimestamp: 1,
      aliases: {},
      tags: {},
      latestVersions: [],
    });
  });
});
