import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorOf, tempRegistry, type TempRegistry } from './temp-registry.js';

interface RunBody {
  run: {
    info: Record<string, unknown> & { run_id: string; status: string; run_name: string };
    data: {
      metrics?: { key: string; value: unknown; step: number; timestamp: number }[];
      params?: { key: string; value: string }[];
      tags?: { key: string; value: string }[];
    };
  };
}

let registry: TempRegistry;
let experimentId: string;
beforeEach(async () => {
  registry = await tempRegistry();
  experimentId = (
    await registry.ok<{ experiment_id: string }>('POST', 'experiments/create', { name: 'runs' })
  ).experiment_id;
});
afterEach(async () => {
  await registry.close();
});

async function newRun(fields: Record<string, unknown> = {}): Promise<string> {
  const body = await registry.ok<RunBody>('POST', 'runs/create', { experiment_id: experimentId, ...fields });
  return body.run.info.run_id;
}

async function getRun(runId: string): Promise<RunBody['run']> {
  return (await registry.ok<RunBody>('GET', 'runs/get', { run_id: runId })).run;
}

describe('runs/create and runs/get', () => {
  it('creates a RUNNING run with a 32-hex id, proxied artifact URI and the run name tag', async () => {
    const body = await registry.ok<RunBody>('POST', 'runs/create', {
      experiment_id: experimentId,
      run_name: 'first',
      user_id: 'alice',
      start_time: 1718000000000,
      tags: [{ key: 'team', value: 'ml' }],
    });
    const { info, data } = body.run;
    expect(info.run_id).toMatch(/^[0-9a-f]{32}$/);
    expect(info).toMatchObject({
      run_uuid: info.run_id,
      experiment_id: experimentId,
      run_name: 'first',
      user_id: 'alice',
      status: 'RUNNING',
      start_time: 1718000000000,
      lifecycle_stage: 'active',
      artifact_uri: `mlflow-artifacts:/${experimentId}/${info.run_id}/artifacts`,
    });
    expect(info).not.toHaveProperty('end_time');
    expect(data.tags).toEqual([
      { key: 'mlflow.runName', value: 'first' },
      { key: 'team', value: 'ml' },
    ]);
    expect(await getRun(info.run_id)).toEqual(body.run);
  });

  it('names a run from the mlflow.runName tag, else randomly; goes to Default without an experiment', async () => {
    const tagged = await newRun({ tags: [{ key: 'mlflow.runName', value: 'from-tag' }] });
    expect((await getRun(tagged)).info.run_name).toBe('from-tag');
    const random = await newRun();
    expect((await getRun(random)).info.run_name).toMatch(/^[a-z]+-[a-z]+-\d+$/);
    const inDefault = await registry.ok<RunBody>('POST', 'runs/create', {});
    expect(inDefault.run.info.experiment_id).toBe('0');
  });

  it('refuses unknown or deleted experiments and unknown runs', async () => {
    expect(errorOf(await registry.call('POST', 'runs/create', { experiment_id: '42' }))).toMatchObject({
      status: 404,
      error_code: 'RESOURCE_DOES_NOT_EXIST',
    });
    await registry.ok('POST', 'experiments/delete', { experiment_id: experimentId });
    expect(
      errorOf(await registry.call('POST', 'runs/create', { experiment_id: experimentId })),
    ).toMatchObject({
      status: 400,
      error_code: 'INVALID_PARAMETER_VALUE',
    });
    expect(errorOf(await registry.call('GET', 'runs/get', { run_id: 'f'.repeat(32) }))).toMatchObject({
      status: 404,
      error_code: 'RESOURCE_DOES_NOT_EXIST',
    });
    expect(errorOf(await registry.call('GET', 'runs/get', {})).status).toBe(400);
  });

  it('accepts the legacy run_uuid field', async () => {
    const runId = await newRun();
    expect((await registry.ok<RunBody>('GET', 'runs/get', { run_uuid: runId })).run.info.run_id).toBe(runId);
  });
});

describe('runs/update, delete, restore', () => {
  it('ends a run with a status and end time, and renames it together with its tag', async () => {
    const runId = await newRun({ run_name: 'before' });
    const { run_info } = await registry.ok<{ run_info: Record<string, unknown> }>('POST', 'runs/update', {
      run_id: runId,
      status: 'FINISHED',
      end_time: '1718000000999',
      run_name: 'after',
    });
    expect(run_info).toMatchObject({ status: 'FINISHED', end_time: 1718000000999, run_name: 'after' });
    const run = await getRun(runId);
    expect(run.data.tags).toContainEqual({ key: 'mlflow.runName', value: 'after' });
  });

  it('accepts enum numbers and refuses unknown statuses', async () => {
    const runId = await newRun();
    await registry.ok('POST', 'runs/update', { run_id: runId, status: 4 });
    expect((await getRun(runId)).info.status).toBe('FAILED');
    expect(
      errorOf(await registry.call('POST', 'runs/update', { run_id: runId, status: 'DONE' })).status,
    ).toBe(400);
  });

  it('deletes softly, refuses writes to a deleted run with a 4xx, and restores', async () => {
    const runId = await newRun();
    await registry.ok('POST', 'runs/delete', { run_id: runId });
    expect((await getRun(runId)).info.lifecycle_stage).toBe('deleted');
    const write = await registry.call('POST', 'runs/log-metric', {
      run_id: runId,
      key: 'a',
      value: 1,
      timestamp: 1,
    });
    expect(errorOf(write)).toMatchObject({ status: 400, error_code: 'INVALID_PARAMETER_VALUE' });
    expect(errorOf(write).message).toContain("'active'");
    await registry.ok('POST', 'runs/restore', { run_id: runId });
    await registry.ok('POST', 'runs/log-metric', { run_id: runId, key: 'a', value: 1, timestamp: 1 });
  });
});

describe('metrics, params and tags', () => {
  it('keeps the full metric history and reports the latest value by step, then timestamp', async () => {
    const runId = await newRun();
    const log = (value: unknown, step: number, timestamp: number) =>
      registry.ok('POST', 'runs/log-metric', { run_id: runId, key: 'loss', value, step, timestamp });
    await log(0.9, 0, 100);
    await log(0.5, 2, 50);
    await log(0.7, 1, 300);
    await log('0.4', 2, 60);
    const run = await getRun(runId);
    expect(run.data.metrics).toEqual([{ key: 'loss', value: 0.4, step: 2, timestamp: 60 }]);
    const history = await registry.ok<{ metrics: { value: number; step: number }[] }>(
      'GET',
      'metrics/get-history',
      {
        run_id: runId,
        metric_key: 'loss',
      },
    );
    expect(history.metrics.map((m) => [m.step, m.value])).toEqual([
      [0, 0.9],
      [1, 0.7],
      [2, 0.5],
      [2, 0.4],
    ]);
  });

  it('picks the latest value of tied metrics alike in a batch and in concurrent single requests', async () => {
    const runId = await newRun();
    // Same step and timestamp: the larger value wins, NaN ranks lowest; a lower step never wins.
    const tied = [1, 'NaN', 3, 2].map((value) => ({ value, step: 5, timestamp: 10 }));
    const logged = [...tied, { value: 9, step: 4, timestamp: 99 }];
    await registry.ok('POST', 'runs/log-batch', {
      run_id: runId,
      metrics: logged.map((m) => ({ key: 'batch', ...m })),
    });
    await Promise.all(
      logged.map((m) => registry.ok('POST', 'runs/log-metric', { run_id: runId, key: 'single', ...m })),
    );
    const latest = Object.fromEntries((await getRun(runId)).data.metrics!.map((m) => [m.key, m]));
    expect(latest).toEqual({
      batch: { key: 'batch', value: 3, step: 5, timestamp: 10 },
      single: { key: 'single', value: 3, step: 5, timestamp: 10 },
    });
    const history = await registry.ok<{ metrics: { value: number | string; step: number }[] }>(
      'GET',
      'metrics/get-history',
      { run_id: runId, metric_key: 'batch' },
    );
    // By step, then timestamp, then the order they were logged in.
    expect(history.metrics.map((m) => m.value)).toEqual([9, 1, 'NaN', 3, 2]);
  });

  it('answers concurrent log-metric requests individually: a bad one fails alone, the others commit', async () => {
    const good = await newRun();
    const deleted = await newRun();
    await registry.ok('POST', 'runs/delete', { run_id: deleted });
    const responses = await Promise.all([
      registry.call('POST', 'runs/log-metric', { run_id: good, key: 'a', value: 1, timestamp: 1, step: 1 }),
      registry.call('POST', 'runs/log-metric', { run_id: deleted, key: 'a', value: 1, timestamp: 1 }),
      registry.call('POST', 'runs/log-metric', { run_id: good, key: 'a', value: 2, timestamp: 2, step: 2 }),
      registry.call('POST', 'runs/log-metric', { run_id: 'f'.repeat(32), key: 'a', value: 1, timestamp: 1 }),
    ]);
    expect(responses.map((r) => r.statusCode)).toEqual([200, 400, 200, 404]);
    const history = await registry.ok<{ metrics: unknown[] }>('GET', 'metrics/get-history', {
      run_id: good,
      metric_key: 'a',
    });
    expect(history.metrics).toHaveLength(2);
  });

  it('round-trips NaN and infinities as MLflow strings', async () => {
    const runId = await newRun();
    await registry.ok('POST', 'runs/log-batch', {
      run_id: runId,
      metrics: [
        { key: 'nan', value: 'NaN', timestamp: 1 },
        { key: 'inf', value: 'Infinity', timestamp: 1 },
        { key: 'ninf', value: '-Infinity', timestamp: 1 },
      ],
    });
    const values = Object.fromEntries((await getRun(runId)).data.metrics!.map((m) => [m.key, m.value]));
    expect(values).toEqual({ inf: 'Infinity', nan: 'NaN', ninf: '-Infinity' });
  });

  it('pages metric history', async () => {
    const runId = await newRun();
    const metrics = Array.from({ length: 5 }, (_, step) => ({ key: 'm', value: step, timestamp: 1, step }));
    await registry.ok('POST', 'runs/log-batch', { run_id: runId, metrics });
    const first = await registry.ok<{ metrics: unknown[]; next_page_token?: string }>(
      'GET',
      'metrics/get-history',
      {
        run_id: runId,
        metric_key: 'm',
        max_results: 3,
      },
    );
    expect(first.metrics).toHaveLength(3);
    const rest = await registry.ok<{ metrics: unknown[]; next_page_token?: string }>(
      'GET',
      'metrics/get-history',
      {
        run_id: runId,
        metric_key: 'm',
        max_results: 3,
        page_token: first.next_page_token,
      },
    );
    expect(rest.metrics).toHaveLength(2);
    expect(rest.next_page_token).toBeUndefined();
  });

  it('refuses malformed metrics naming the field', async () => {
    const runId = await newRun();
    const cases = [
      { run_id: runId, key: 'a', timestamp: 1 },
      { run_id: runId, key: 'a', value: 'high', timestamp: 1 },
      { run_id: runId, key: 'a', value: 1 },
      { run_id: runId, key: 'a', value: 1, timestamp: 1.5 },
      { run_id: runId, value: 1, timestamp: 1 },
      { key: 'a', value: 1, timestamp: 1 },
      { run_id: runId, key: 'x'.repeat(251), value: 1, timestamp: 1 },
      { run_id: runId, key: '../escape', value: 1, timestamp: 1 },
    ];
    for (const body of cases) {
      const error = errorOf(await registry.call('POST', 'runs/log-metric', body));
      expect(error, JSON.stringify(body)).toMatchObject({
        status: 400,
        error_code: 'INVALID_PARAMETER_VALUE',
      });
    }
    expect(errorOf(await registry.call('POST', 'runs/log-metric', cases[1])).message).toContain("'value'");
  });

  it('allows re-logging a param with the same value and refuses a different one', async () => {
    const runId = await newRun();
    await registry.ok('POST', 'runs/log-parameter', { run_id: runId, key: 'lr', value: '0.1' });
    await registry.ok('POST', 'runs/log-parameter', { run_id: runId, key: 'lr', value: '0.1' });
    const changed = errorOf(
      await registry.call('POST', 'runs/log-parameter', { run_id: runId, key: 'lr', value: '0.2' }),
    );
    expect(changed).toMatchObject({ status: 400, error_code: 'INVALID_PARAMETER_VALUE' });
    expect(changed.message).toContain("'0.1'");
    expect(
      errorOf(
        await registry.call('POST', 'runs/log-parameter', {
          run_id: runId,
          key: 'big',
          value: 'x'.repeat(6001),
        }),
      ).status,
    ).toBe(400);
  });

  it('sets, overwrites and deletes tags; set-tag of mlflow.runName renames the run', async () => {
    const runId = await newRun();
    await registry.ok('POST', 'runs/set-tag', { run_id: runId, key: 'k', value: 'v1' });
    await registry.ok('POST', 'runs/set-tag', { run_id: runId, key: 'k', value: 'v2' });
    await registry.ok('POST', 'runs/set-tag', { run_id: runId, key: 'mlflow.runName', value: 'renamed' });
    const run = await getRun(runId);
    expect(run.data.tags).toContainEqual({ key: 'k', value: 'v2' });
    expect(run.info.run_name).toBe('renamed');
    await registry.ok('POST', 'runs/delete-tag', { run_id: runId, key: 'k' });
    expect(
      errorOf(await registry.call('POST', 'runs/delete-tag', { run_id: runId, key: 'k' })),
    ).toMatchObject({
      status: 404,
      error_code: 'RESOURCE_DOES_NOT_EXIST',
    });
  });

  it('logs a batch of metrics, params and tags in one transaction: all or nothing', async () => {
    const runId = await newRun();
    await registry.ok('POST', 'runs/log-parameter', { run_id: runId, key: 'fixed', value: 'a' });
    const bad = await registry.call('POST', 'runs/log-batch', {
      run_id: runId,
      metrics: [{ key: 'm', value: 1, timestamp: 1 }],
      params: [{ key: 'fixed', value: 'b' }],
    });
    expect(errorOf(bad).status).toBe(400);
    expect((await getRun(runId)).data.metrics).toEqual([]);
    await registry.ok('POST', 'runs/log-batch', {
      run_id: runId,
      metrics: [{ key: 'm', value: 1, timestamp: 1, step: 3 }],
      params: [{ key: 'p', value: 'v' }],
      tags: [{ key: 't', value: 'w' }],
    });
    const run = await getRun(runId);
    expect(run.data.metrics).toEqual([{ key: 'm', value: 1, timestamp: 1, step: 3 }]);
    expect(run.data.params).toContainEqual({ key: 'p', value: 'v' });
    expect(run.data.tags).toContainEqual({ key: 't', value: 'w' });
  });

  it('enforces log-batch limits and list shapes', async () => {
    const runId = await newRun();
    const metrics = Array.from({ length: 1001 }, (_, i) => ({ key: `m${i}`, value: i, timestamp: 1 }));
    expect(
      errorOf(await registry.call('POST', 'runs/log-batch', { run_id: runId, metrics })).message,
    ).toContain('1000');
    const params = Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'v' }));
    expect(errorOf(await registry.call('POST', 'runs/log-batch', { run_id: runId, params })).status).toBe(
      400,
    );
    expect(
      errorOf(await registry.call('POST', 'runs/log-batch', { run_id: runId, metrics: 'many' })).status,
    ).toBe(400);
    expect(
      errorOf(await registry.call('POST', 'runs/log-batch', { run_id: runId, params: [{ value: 'v' }] }))
        .message,
    ).toContain('params[0].key');
  });

  it('keeps log-model entries as a JSON list tag and accepts dataset inputs and model outputs', async () => {
    const runId = await newRun();
    await registry.ok('POST', 'runs/log-model', {
      run_id: runId,
      model_json: JSON.stringify({ artifact_path: 'model' }),
    });
    await registry.ok('POST', 'runs/log-model', {
      run_id: runId,
      model_json: JSON.stringify({ artifact_path: 'model2' }),
    });
    const tag = (await getRun(runId)).data.tags!.find((t) => t.key === 'mlflow.log-model.history');
    expect(JSON.parse(tag!.value)).toEqual([{ artifact_path: 'model' }, { artifact_path: 'model2' }]);
    expect(
      errorOf(await registry.call('POST', 'runs/log-model', { run_id: runId, model_json: '{' })).status,
    ).toBe(400);
    await registry.ok('POST', 'runs/log-inputs', { run_id: runId, datasets: [] });
    await registry.ok('POST', 'runs/outputs', { run_id: runId, models: [] });
    expect(errorOf(await registry.call('POST', 'runs/log-inputs', { run_id: 'nope' })).status).toBe(404);
  });
});
