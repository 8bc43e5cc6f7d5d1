import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorOf, tempRegistry, type TempRegistry } from './temp-registry.js';

interface VersionBody {
  model_version: Record<string, unknown> & { version: string; aliases?: string[] };
}
interface ModelBody {
  registered_model: Record<string, unknown> & {
    aliases?: { alias: string; version: string }[];
    latest_versions?: { version: string; current_stage: string }[];
  };
}

let registry: TempRegistry;
let runId: string;
beforeEach(async () => {
  registry = await tempRegistry();
  const run = await registry.ok<{ run: { info: { run_id: string } } }>('POST', 'runs/create', {
    run_name: 'train',
  });
  runId = run.run.info.run_id;
});
afterEach(async () => {
  await registry.close();
});

async function version(name = 'M', source = 'mlflow-artifacts:/0/x/artifacts/model'): Promise<string> {
  return (await registry.ok<VersionBody>('POST', 'model-versions/create', { name, source, run_id: runId }))
    .model_version.version;
}

describe('registered models', () => {
  it('creates with tags and description, refuses duplicates, gets by name', async () => {
    const created = await registry.ok<ModelBody>('POST', 'registered-models/create', {
      name: 'M',
      description: 'price classes',
      tags: [{ key: 'domain', value: 'housing' }],
    });
    expect(created.registered_model).toMatchObject({
      name: 'M',
      description: 'price classes',
      tags: [{ key: 'domain', value: 'housing' }],
    });
    expect(errorOf(await registry.call('POST', 'registered-models/create', { name: 'M' }))).toMatchObject({
      status: 400,
      error_code: 'RESOURCE_ALREADY_EXISTS',
    });
    const got = await registry.ok<ModelBody>('GET', 'registered-models/get', { name: 'M' });
    expect(got.registered_model.name).toBe('M');
    expect(errorOf(await registry.call('GET', 'registered-models/get', { name: 'nope' }))).toMatchObject({
      status: 404,
      error_code: 'RESOURCE_DOES_NOT_EXIST',
    });
    expect(errorOf(await registry.call('POST', 'registered-models/create', {})).status).toBe(400);
  });

  it('updates the description (PATCH), renames with versions following, deletes (DELETE with a JSON body)', async () => {
    await registry.ok('POST', 'registered-models/create', { name: 'M' });
    await version();
    await registry.ok('POST', 'registered-models/alias', { name: 'M', alias: 'production', version: '1' });
    const updated = await registry.ok<ModelBody>('PATCH', 'registered-models/update', {
      name: 'M',
      description: 'd2',
    });
    expect(updated.registered_model.description).toBe('d2');
    const renamed = await registry.ok<ModelBody>('POST', 'registered-models/rename', {
      name: 'M',
      new_name: 'N',
    });
    expect(renamed.registered_model.aliases).toEqual([{ alias: 'production', version: '1' }]);
    expect(
      (await registry.ok<VersionBody>('GET', 'model-versions/get', { name: 'N', version: '1' })).model_version
        .name,
    ).toBe('N');
    await registry.ok('POST', 'registered-models/create', { name: 'O' });
    expect(
      errorOf(await registry.call('POST', 'registered-models/rename', { name: 'N', new_name: 'O' }))
        .error_code,
    ).toBe('RESOURCE_ALREADY_EXISTS');
    await registry.ok('DELETE', 'registered-models/delete', { name: 'N' });
    expect(
      errorOf(await registry.call('GET', 'model-versions/get', { name: 'N', version: '1' })).status,
    ).toBe(404);
    expect(errorOf(await registry.call('DELETE', 'registered-models/delete', { name: 'N' })).status).toBe(
      404,
    );
  });

  it('searches by name and tags with pages', async () => {
    for (const name of ['alpha', 'beta', 'gamma']) {
      await registry.ok('POST', 'registered-models/create', { name, tags: [{ key: 'k', value: name[0]! }] });
    }
    const like = await registry.ok<{ registered_models: { name: string }[] }>(
      'GET',
      'registered-models/search',
      {
        filter: "name LIKE '%a'",
      },
    );
    expect(like.registered_models.map((m) => m.name)).toEqual(['alpha', 'beta', 'gamma']);
    const tag = await registry.ok<{ registered_models: { name: string }[] }>(
      'GET',
      'registered-models/search',
      {
        filter: "tags.k = 'b'",
      },
    );
    expect(tag.registered_models.map((m) => m.name)).toEqual(['beta']);
    const page = await registry.ok<{ registered_models: { name: string }[]; next_page_token: string }>(
      'GET',
      'registered-models/search',
      {
        max_results: 2,
        order_by: 'name DESC',
      },
    );
    expect(page.registered_models.map((m) => m.name)).toEqual(['gamma', 'beta']);
    const rest = await registry.ok<{ registered_models: { name: string }[] }>(
      'GET',
      'registered-models/search',
      {
        max_results: 2,
        order_by: 'name DESC',
        page_token: page.next_page_token,
      },
    );
    expect(rest.registered_models.map((m) => m.name)).toEqual(['alpha']);
    expect(
      errorOf(await registry.call('GET', 'registered-models/search', { max_results: 1001 })).status,
    ).toBe(400);
    expect(
      errorOf(await registry.call('GET', 'registered-models/search', { filter: 'metrics.a > 1' })).status,
    ).toBe(400);
  });

  it('sets and deletes registered model tags', async () => {
    await registry.ok('POST', 'registered-models/create', { name: 'M' });
    await registry.ok('POST', 'registered-models/set-tag', { name: 'M', key: 'k', value: 'v' });
    expect(
      (await registry.ok<ModelBody>('GET', 'registered-models/get', { name: 'M' })).registered_model.tags,
    ).toEqual([{ key: 'k', value: 'v' }]);
    await registry.ok('DELETE', 'registered-models/delete-tag', { name: 'M', key: 'k' });
    expect(
      errorOf(await registry.call('DELETE', 'registered-models/delete-tag', { name: 'M', key: 'k' })).status,
    ).toBe(404);
  });
});

describe('model versions', () => {
  beforeEach(async () => {
    await registry.ok('POST', 'registered-models/create', { name: 'M' });
  });

  it('numbers versions from 1, never reusing a deleted number, and returns READY versions', async () => {
    const created = await registry.ok<VersionBody>('POST', 'model-versions/create', {
      name: 'M',
      source: `runs:/${runId}/model`,
      run_id: runId,
      tags: [{ key: 'gate', value: 'passed' }],
      description: 'first',
    });
    expect(created.model_version).toMatchObject({
      name: 'M',
      version: '1',
      status: 'READY',
      current_stage: 'None',
      source: `runs:/${runId}/model`,
      run_id: runId,
      description: 'first',
      tags: [{ key: 'gate', value: 'passed' }],
    });
    expect(await version()).toBe('2');
    await registry.ok('DELETE', 'model-versions/delete', { name: 'M', version: '2' });
    expect(await version()).toBe('3');
  });

  it('refuses versions of unknown models, unknown runs, missing sources and bad version numbers', async () => {
    expect(
      errorOf(await registry.call('POST', 'model-versions/create', { name: 'X', source: 's' })),
    ).toMatchObject({ status: 404 });
    expect(
      errorOf(
        await registry.call('POST', 'model-versions/create', { name: 'M', source: 's', run_id: 'nope' }),
      ).status,
    ).toBe(404);
    expect(errorOf(await registry.call('POST', 'model-versions/create', { name: 'M' })).status).toBe(400);
    expect(
      errorOf(await registry.call('GET', 'model-versions/get', { name: 'M', version: 'one' })).status,
    ).toBe(400);
    expect(
      errorOf(await registry.call('GET', 'model-versions/get', { name: 'M', version: '9' })),
    ).toMatchObject({
      status: 404,
      error_code: 'RESOURCE_DOES_NOT_EXIST',
    });
  });

  it('updates descriptions, sets and deletes version tags', async () => {
    await version();
    const updated = await registry.ok<VersionBody>('PATCH', 'model-versions/update', {
      name: 'M',
      version: '1',
      description: 'new',
    });
    expect(updated.model_version.description).toBe('new');
    await registry.ok('POST', 'model-versions/set-tag', { name: 'M', version: '1', key: 'k', value: 'v' });
    expect(
      (await registry.ok<VersionBody>('GET', 'model-versions/get', { name: 'M', version: '1' })).model_version
        .tags,
    ).toEqual([{ key: 'k', value: 'v' }]);
    await registry.ok('DELETE', 'model-versions/delete-tag', { name: 'M', version: '1', key: 'k' });
    expect(
      errorOf(
        await registry.call('DELETE', 'model-versions/delete-tag', { name: 'M', version: '1', key: 'k' }),
      ).status,
    ).toBe(404);
  });

  it('searches versions by name and run_id the way the Python client asks (GET, no spaces)', async () => {
    await version();
    await version();
    await registry.ok('POST', 'registered-models/create', { name: 'Other' });
    await version('Other');
    const byName = await registry.app.inject({
      method: 'GET',
      url: '/api/2.0/mlflow/model-versions/search?filter=name%3D%27M%27&max_results=10000',
    });
    expect(
      byName.json<{ model_versions: { version: string }[] }>().model_versions.map((v) => v.version),
    ).toEqual(['2', '1']);
    const byRun = await registry.ok<{ model_versions: { name: string }[] }>('GET', 'model-versions/search', {
      filter: `run_id = '${runId}'`,
    });
    expect(byRun.model_versions.map((v) => v.name)).toEqual(['M', 'M', 'Other']);
    const inList = await registry.ok<{ model_versions: unknown[] }>('GET', 'model-versions/search', {
      filter: `run_id IN ('${runId}', 'x') AND name = 'Other'`,
    });
    expect(inList.model_versions).toHaveLength(1);
    expect(
      errorOf(await registry.call('GET', 'model-versions/search', { filter: "colour = 'red'" })).status,
    ).toBe(400);
  });

  it('resolves download URIs of runs:/ sources to the run artifact folder', async () => {
    await registry.ok('POST', 'model-versions/create', {
      name: 'M',
      source: `runs:/${runId}/model`,
      run_id: runId,
    });
    const { artifact_uri } = await registry.ok<{ artifact_uri: string }>(
      'GET',
      'model-versions/get-download-uri',
      { name: 'M', version: '1' },
    );
    expect(artifact_uri).toBe(`mlflow-artifacts:/0/${runId}/artifacts/model`);
    await version('M', 'mlflow-artifacts:/0/abc/artifacts/m');
    expect(
      (
        await registry.ok<{ artifact_uri: string }>('GET', 'model-versions/get-download-uri', {
          name: 'M',
          version: '2',
        })
      ).artifact_uri,
    ).toBe('mlflow-artifacts:/0/abc/artifacts/m');
  });

  it('transitions stages, archiving the previous holder when asked, and lists latest versions per stage', async () => {
    await version();
    await version();
    await registry.ok('POST', 'model-versions/transition-stage', {
      name: 'M',
      version: '1',
      stage: 'production',
    });
    await registry.ok('POST', 'model-versions/transition-stage', {
      name: 'M',
      version: '2',
      stage: 'Production',
      archive_existing_versions: true,
    });
    expect(
      (await registry.ok<VersionBody>('GET', 'model-versions/get', { name: 'M', version: '1' })).model_version
        .current_stage,
    ).toBe('Archived');
    const latest = await registry.ok<{ model_versions: { version: string; current_stage: string }[] }>(
      'POST',
      'registered-models/get-latest-versions',
      { name: 'M', stages: ['Production'] },
    );
    expect(latest.model_versions.map((v) => [v.version, v.current_stage])).toEqual([['2', 'Production']]);
    const all = await registry.ok<{ model_versions: unknown[] }>(
      'POST',
      'registered-models/get-latest-versions',
      { name: 'M' },
    );
    expect(all.model_versions).toHaveLength(2);
    expect(
      errorOf(
        await registry.call('POST', 'model-versions/transition-stage', {
          name: 'M',
          version: '1',
          stage: 'Live',
        }),
      ).status,
    ).toBe(400);
  });
});

describe('aliases', () => {
  beforeEach(async () => {
    await registry.ok('POST', 'registered-models/create', { name: 'M' });
    await version();
    await version();
  });

  it('sets an alias, reads the version by alias, and moves it to another version', async () => {
    await registry.ok('POST', 'registered-models/alias', { name: 'M', alias: 'production', version: '1' });
    const first = await registry.ok<VersionBody>('GET', 'registered-models/alias', {
      name: 'M',
      alias: 'production',
    });
    expect(first.model_version).toMatchObject({ version: '1', aliases: ['production'] });
    await registry.ok('POST', 'registered-models/alias', { name: 'M', alias: 'production', version: '2' });
    await registry.ok('POST', 'registered-models/alias', { name: 'M', alias: 'staging', version: '2' });
    const moved = await registry.ok<VersionBody>('GET', 'registered-models/alias', {
      name: 'M',
      alias: 'production',
    });
    expect(moved.model_version).toMatchObject({ version: '2', aliases: ['production', 'staging'] });
    const model = await registry.ok<ModelBody>('GET', 'registered-models/get', { name: 'M' });
    expect(model.registered_model.aliases).toEqual([
      { alias: 'production', version: '2' },
      { alias: 'staging', version: '2' },
    ]);
  });

  it('deletes an alias; an unknown alias reads as INVALID_PARAMETER_VALUE (400), as in MLflow', async () => {
    await registry.ok('POST', 'registered-models/alias', { name: 'M', alias: 'staging', version: '1' });
    await registry.ok('DELETE', 'registered-models/alias', { name: 'M', alias: 'staging' });
    expect(
      errorOf(await registry.call('GET', 'registered-models/alias', { name: 'M', alias: 'staging' })),
    ).toMatchObject({
      status: 400,
      error_code: 'INVALID_PARAMETER_VALUE',
      message: 'Registered model alias staging not found.',
    });
    expect(
      errorOf(await registry.call('GET', 'registered-models/alias', { name: 'Nope', alias: 'staging' }))
        .status,
    ).toBe(404);
  });

  it('resolves the reserved alias latest and refuses to set reserved or malformed aliases', async () => {
    expect(
      (await registry.ok<VersionBody>('GET', 'registered-models/alias', { name: 'M', alias: 'latest' }))
        .model_version.version,
    ).toBe('2');
    for (const alias of ['latest', 'v3', 'bad alias', '']) {
      const response = await registry.call('POST', 'registered-models/alias', {
        name: 'M',
        alias,
        version: '1',
      });
      expect(errorOf(response), alias).toMatchObject({ status: 400, error_code: 'INVALID_PARAMETER_VALUE' });
    }
    expect(
      errorOf(
        await registry.call('POST', 'registered-models/alias', { name: 'M', alias: 'prod', version: '7' }),
      ).status,
    ).toBe(404);
  });

  it('drops the aliases of a deleted version', async () => {
    await registry.ok('POST', 'registered-models/alias', { name: 'M', alias: 'production', version: '2' });
    await registry.ok('DELETE', 'model-versions/delete', { name: 'M', version: '2' });
    expect(
      errorOf(await registry.call('GET', 'registered-models/alias', { name: 'M', alias: 'production' }))
        .status,
    ).toBe(400);
  });
});
