import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorOf, tempRegistry, type TempRegistry } from './temp-registry.js';

let registry: TempRegistry;
beforeEach(async () => {
  registry = await tempRegistry();
});
afterEach(async () => {
  await registry.close();
});

describe('experiments', () => {
  it('has the Default experiment 0 from the first start', async () => {
    const { experiment } = await registry.ok<{ experiment: Record<string, unknown> }>(
      'GET',
      'experiments/get',
      {
        experiment_id: '0',
      },
    );
    expect(experiment).toMatchObject({
      experiment_id: '0',
      name: 'Default',
      artifact_location: 'mlflow-artifacts:/0',
      lifecycle_stage: 'active',
    });
  });

  it('creates an experiment with tags and reads it by id and by name', async () => {
    const { experiment_id } = await registry.ok<{ experiment_id: string }>('POST', 'experiments/create', {
      name: 'demo',
      tags: [{ key: 'team', value: 'ml' }],
    });
    expect(experiment_id).toBe('1');
    const byId = await registry.ok<{ experiment: Record<string, unknown> }>('GET', 'experiments/get', {
      experiment_id,
    });
    expect(byId.experiment).toMatchObject({
      name: 'demo',
      artifact_location: 'mlflow-artifacts:/1',
      tags: [{ key: 'team', value: 'ml' }],
    });
    expect(typeof byId.experiment.creation_time).toBe('number');
    const byName = await registry.ok('GET', 'experiments/get-by-name', { experiment_name: 'demo' });
    expect(byName).toEqual(byId);
  });

  it('refuses a duplicate name with RESOURCE_ALREADY_EXISTS (400), even for a deleted experiment', async () => {
    const { experiment_id } = await registry.ok<{ experiment_id: string }>('POST', 'experiments/create', {
      name: 'x',
    });
    await registry.ok('POST', 'experiments/delete', { experiment_id });
    const again = await registry.call('POST', 'experiments/create', { name: 'x' });
    expect(errorOf(again)).toMatchObject({ status: 400, error_code: 'RESOURCE_ALREADY_EXISTS' });
  });

  it('refuses a missing or empty name with INVALID_PARAMETER_VALUE naming the field', async () => {
    for (const body of [{}, { name: '' }, { name: ['a'] }, { name: { a: 1 } }]) {
      const response = await registry.call('POST', 'experiments/create', body);
      expect(response.statusCode).toBe(400);
    }
    const missing = errorOf(await registry.call('POST', 'experiments/create', {}));
    expect(missing.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(missing.message).toContain("'name'");
  });

  it('answers unknown experiments with RESOURCE_DOES_NOT_EXIST (404) and garbage ids with 400', async () => {
    expect(errorOf(await registry.call('GET', 'experiments/get', { experiment_id: '99' }))).toMatchObject({
      status: 404,
      error_code: 'RESOURCE_DOES_NOT_EXIST',
    });
    expect(
      errorOf(await registry.call('GET', 'experiments/get-by-name', { experiment_name: 'nope' })),
    ).toMatchObject({
      status: 404,
      error_code: 'RESOURCE_DOES_NOT_EXIST',
    });
    expect(errorOf(await registry.call('GET', 'experiments/get', { experiment_id: 'abc' }))).toMatchObject({
      status: 400,
      error_code: 'INVALID_PARAMETER_VALUE',
    });
    expect(errorOf(await registry.call('GET', 'experiments/get', {}))).toMatchObject({ status: 400 });
  });

  it('renames, refuses a rename onto a taken name, deletes softly and restores', async () => {
    const a = (await registry.ok<{ experiment_id: string }>('POST', 'experiments/create', { name: 'a' }))
      .experiment_id;
    await registry.ok('POST', 'experiments/create', { name: 'b' });
    await registry.ok('POST', 'experiments/update', { experiment_id: a, new_name: 'a2' });
    expect(
      (await registry.ok<{ experiment: { name: string } }>('GET', 'experiments/get', { experiment_id: a }))
        .experiment.name,
    ).toBe('a2');
    expect(
      errorOf(await registry.call('POST', 'experiments/update', { experiment_id: a, new_name: 'b' }))
        .error_code,
    ).toBe('RESOURCE_ALREADY_EXISTS');
    await registry.ok('POST', 'experiments/delete', { experiment_id: a });
    const deleted = await registry.ok<{ experiment: { lifecycle_stage: string } }>('GET', 'experiments/get', {
      experiment_id: a,
    });
    expect(deleted.experiment.lifecycle_stage).toBe('deleted');
    await registry.ok('POST', 'experiments/restore', { experiment_id: a });
    const restored = await registry.ok<{ experiment: { lifecycle_stage: string } }>(
      'GET',
      'experiments/get',
      { experiment_id: a },
    );
    expect(restored.experiment.lifecycle_stage).toBe('active');
  });

  it('refuses to delete the Default experiment', async () => {
    expect(errorOf(await registry.call('POST', 'experiments/delete', { experiment_id: '0' }))).toMatchObject({
      status: 400,
      error_code: 'INVALID_PARAMETER_VALUE',
    });
  });

  it('searches by name and tag with view types, ordering and pages', async () => {
    for (const name of ['alpha', 'beta', 'gamma']) {
      await registry.ok('POST', 'experiments/create', {
        name,
        tags: [{ key: 'kind', value: name === 'beta' ? 'b' : 'other' }],
      });
    }
    const byName = await registry.ok<{ experiments: { name: string }[] }>('POST', 'experiments/search', {
      filter: "name LIKE 'a%'",
    });
    expect(byName.experiments.map((e) => e.name)).toEqual(['alpha']);
    const byTag = await registry.ok<{ experiments: { name: string }[] }>('POST', 'experiments/search', {
      filter: "tags.kind = 'b'",
    });
    expect(byTag.experiments.map((e) => e.name)).toEqual(['beta']);

    const first = await registry.ok<{ experiments: { name: string }[]; next_page_token?: string }>(
      'POST',
      'experiments/search',
      {
        max_results: 2,
        order_by: ['name ASC'],
      },
    );
    expect(first.experiments.map((e) => e.name)).toEqual(['Default', 'alpha']);
    expect(first.next_page_token).toBeTypeOf('string');
    const second = await registry.ok<{ experiments: { name: string }[]; next_page_token?: string }>(
      'POST',
      'experiments/search',
      {
        max_results: 2,
        order_by: ['name ASC'],
        page_token: first.next_page_token,
      },
    );
    expect(second.experiments.map((e) => e.name)).toEqual(['beta', 'gamma']);
    expect(second.next_page_token).toBeUndefined();

    const beta = (
      await registry.ok<{ experiment: { experiment_id: string } }>('GET', 'experiments/get-by-name', {
        experiment_name: 'beta',
      })
    ).experiment.experiment_id;
    await registry.ok('POST', 'experiments/delete', { experiment_id: beta });
    const active = await registry.ok<{ experiments: { name: string }[] }>('POST', 'experiments/search', {});
    expect(active.experiments.map((e) => e.name)).not.toContain('beta');
    const deleted = await registry.ok<{ experiments: { name: string }[] }>('POST', 'experiments/search', {
      view_type: 'DELETED_ONLY',
    });
    expect(deleted.experiments.map((e) => e.name)).toEqual(['beta']);
    const all = await registry.ok<{ experiments: unknown[] }>('GET', 'experiments/search', {
      view_type: '3',
    });
    expect(all.experiments).toHaveLength(4);
  });

  it('rejects bad search input with 400', async () => {
    for (const fields of [
      { filter: 'name = ' },
      { filter: "params.x = '1'" },
      { order_by: ['bogus'] },
      { max_results: 0 },
      { max_results: 'many' },
      { page_token: 'garbage!' },
      { view_type: 'SOMETIMES' },
    ]) {
      const response = await registry.call('POST', 'experiments/search', fields);
      expect(errorOf(response), JSON.stringify(fields)).toMatchObject({
        status: 400,
        error_code: 'INVALID_PARAMETER_VALUE',
      });
    }
  });

  it('sets and deletes experiment tags', async () => {
    const { experiment_id } = await registry.ok<{ experiment_id: string }>('POST', 'experiments/create', {
      name: 't',
    });
    await registry.ok('POST', 'experiments/set-experiment-tag', { experiment_id, key: 'k', value: 'v' });
    expect(
      (await registry.ok<{ experiment: { tags: unknown } }>('GET', 'experiments/get', { experiment_id }))
        .experiment.tags,
    ).toEqual([{ key: 'k', value: 'v' }]);
    await registry.ok('POST', 'experiments/delete-experiment-tag', { experiment_id, key: 'k' });
    expect(
      errorOf(await registry.call('POST', 'experiments/delete-experiment-tag', { experiment_id, key: 'k' }))
        .status,
    ).toBe(404);
  });

  it('serves the same table under /ajax-api/2.0', async () => {
    const response = await registry.app.inject({
      method: 'GET',
      url: '/ajax-api/2.0/mlflow/experiments/get?experiment_id=0',
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ experiment: { name: 'Default' } });
  });
});
