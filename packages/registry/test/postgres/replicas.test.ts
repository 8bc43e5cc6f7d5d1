/**
 * Two registry apps (two buildApp instances, each with its own connection
 * pool) on one PostgreSQL database behave as one registry under concurrent
 * requests: version numbers, duplicate names, stage transitions, aliases,
 * params and metrics.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, dropTestDatabase } from '../postgres-databases.js';
import { errorOf, tempRegistry, type TempRegistry } from '../temp-registry.js';

let databaseUrl: string;
let replicas: [TempRegistry, TempRegistry];
beforeEach(async () => {
  databaseUrl = await createTestDatabase();
  // Both start (and migrate) at once, as replicas rolled out together would.
  replicas = (await Promise.all([
    tempRegistry({ dbPath: databaseUrl, dbPoolSize: 4 }),
    tempRegistry({ dbPath: databaseUrl, dbPoolSize: 4 }),
  ])) as [TempRegistry, TempRegistry];
  await Promise.all(replicas.map((r) => r.app.ready()));
});
afterEach(async () => {
  await Promise.all(replicas.map((r) => r.close()));
  await dropTestDatabase(databaseUrl);
});

/** Replica `i % 2`: requests alternate between the two apps. */
function replica(i: number): TempRegistry {
  return replicas[i % 2]!;
}

describe('two registry replicas on one PostgreSQL database', () => {
  it('number concurrently created model versions uniquely and consecutively', async () => {
    await replicas[0].ok('POST', 'registered-models/create', { name: 'M' });
    const created = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        replica(i).ok<{ model_version: { version: string } }>('POST', 'model-versions/create', {
          name: 'M',
          source: `s3://bucket/model-${i}`,
        }),
      ),
    );
    const numbers = created.map((c) => Number(c.model_version.version)).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const search = await replicas[1].ok<{ model_versions: unknown[] }>('GET', 'model-versions/search', {
      filter: "name = 'M'",
    });
    expect(search.model_versions).toHaveLength(40);
  });

  it('let exactly one of two concurrent creations of a registered model succeed', async () => {
    for (let round = 0; round < 10; round += 1) {
      const name = `dup-${round}`;
      const answers = await Promise.all(
        replicas.map((r) => r.call('POST', 'registered-models/create', { name })),
      );
      const statuses = answers.map((a) => a.statusCode).sort();
      expect(statuses).toEqual([200, 400]);
      const failed = answers.find((a) => a.statusCode === 400)!;
      expect(errorOf(failed)).toMatchObject({
        error_code: 'RESOURCE_ALREADY_EXISTS',
        message: `Registered Model (name=${name}) already exists.`,
      });
    }
  });

  it('let exactly one of two concurrent creations of an experiment succeed', async () => {
    for (let round = 0; round < 10; round += 1) {
      const answers = await Promise.all(
        replicas.map((r) => r.call('POST', 'experiments/create', { name: `exp-${round}` })),
      );
      expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 400]);
      expect(errorOf(answers.find((a) => a.statusCode === 400)!).error_code).toBe('RESOURCE_ALREADY_EXISTS');
    }
  });

  it('leave one version in Production after concurrent transitions that archive the others', async () => {
    await replicas[0].ok('POST', 'registered-models/create', { name: 'M' });
    for (let i = 0; i < 12; i += 1) {
      await replicas[0].ok('POST', 'model-versions/create', { name: 'M', source: `s${i}` });
    }
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        replica(i).ok('POST', 'model-versions/transition-stage', {
          name: 'M',
          version: String(i + 1),
          stage: 'Production',
          archive_existing_versions: true,
        }),
      ),
    );
    const versions = (
      await replicas[1].ok<{ model_versions: { current_stage: string }[] }>('GET', 'model-versions/search', {
        filter: "name = 'M'",
      })
    ).model_versions;
    expect(versions.filter((v) => v.current_stage === 'Production')).toHaveLength(1);
    expect(versions.filter((v) => v.current_stage === 'Archived')).toHaveLength(11);
  });

  it('keep an alias on exactly one existing version while replicas move it and delete versions', async () => {
    await replicas[0].ok('POST', 'registered-models/create', { name: 'M' });
    for (let i = 0; i < 10; i += 1) {
      await replicas[0].ok('POST', 'model-versions/create', { name: 'M', source: `s${i}` });
    }
    const answers = await Promise.all([
      ...Array.from({ length: 10 }, (_, i) =>
        replica(i).call('POST', 'registered-models/alias', {
          name: 'M',
          alias: 'champion',
          version: String(i + 1),
        }),
      ),
      ...[2, 4, 6].map((v, i) =>
        replica(i + 1).call('DELETE', 'model-versions/delete', { name: 'M', version: String(v) }),
      ),
    ]);
    // A move to a version deleted first is RESOURCE_DOES_NOT_EXIST; nothing else may fail.
    for (const answer of answers) {
      if (answer.statusCode !== 200) expect(errorOf(answer).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    }
    const model = await replicas[1].ok<{
      registered_model: { aliases?: { alias: string; version: string }[] };
    }>('GET', 'registered-models/get', { name: 'M' });
    const champion = model.registered_model.aliases?.filter((a) => a.alias === 'champion') ?? [];
    expect(champion.length).toBeLessThanOrEqual(1);
    if (champion.length === 1) {
      const byAlias = await replicas[0].ok<{ model_version: { version: string; aliases: string[] } }>(
        'GET',
        'registered-models/alias',
        { name: 'M', alias: 'champion' },
      );
      expect(byAlias.model_version.version).toBe(champion[0]!.version);
      expect(byAlias.model_version.aliases).toContain('champion');
      expect(['2', '4', '6']).not.toContain(champion[0]!.version);
    }
  });

  it('keep the first value of a param logged with different values at once, and refuse the other', async () => {
    const run = await replicas[0].ok<{ run: { info: { run_id: string } } }>('POST', 'runs/create', {});
    const runId = run.run.info.run_id;
    for (let round = 0; round < 5; round += 1) {
      const answers = await Promise.all(
        replicas.map((r, i) =>
          r.call('POST', 'runs/log-parameter', { run_id: runId, key: `p${round}`, value: `v${i}` }),
        ),
      );
      expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 400]);
      expect(errorOf(answers.find((a) => a.statusCode === 400)!).message).toMatch(
        /Changing param values is not allowed/,
      );
    }
  });

  it('store every metric both replicas acknowledge, with one latest value per key', async () => {
    const run = await replicas[0].ok<{ run: { info: { run_id: string } } }>('POST', 'runs/create', {});
    const runId = run.run.info.run_id;
    await Promise.all(
      Array.from({ length: 400 }, (_, i) =>
        replica(i).ok('POST', 'runs/log-metric', {
          run_id: runId,
          key: `m${i % 4}`,
          value: i,
          timestamp: 1000 + i,
          step: i,
        }),
      ),
    );
    for (let k = 0; k < 4; k += 1) {
      const history = await replicas[1].ok<{ metrics: { value: number }[] }>('GET', 'metrics/get-history', {
        run_id: runId,
        metric_key: `m${k}`,
      });
      expect(history.metrics).toHaveLength(100);
    }
    const got = await replicas[0].ok<{ run: { data: { metrics: { key: string; value: number }[] } } }>(
      'GET',
      'runs/get',
      { run_id: runId },
    );
    expect(got.run.data.metrics).toEqual([
      expect.objectContaining({ key: 'm0', value: 396 }),
      expect.objectContaining({ key: 'm1', value: 397 }),
      expect.objectContaining({ key: 'm2', value: 398 }),
      expect.objectContaining({ key: 'm3', value: 399 }),
    ]);
  });
});
