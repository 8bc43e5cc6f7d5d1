import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, tempRegistry, type TempRegistry } from './temp-registry.js';

interface SearchBody {
  runs?: {
    info: { run_id: string; run_name: string };
    data: { metrics?: { key: string; value: number }[] };
  }[];
  next_page_token?: string;
}

let registry: TempRegistry;
let experimentId: string;
let otherExperiment: string;

beforeAll(async () => {
  registry = await tempRegistry();
  experimentId = (await registry.ok<{ experiment_id: string }>('POST', 'experiments/create', { name: 's' }))
    .experiment_id;
  otherExperiment = (
    await registry.ok<{ experiment_id: string }>('POST', 'experiments/create', { name: 'o' })
  ).experiment_id;
  // Five runs r0..r4: acc = 0.5 + 0.1 i, params model alternates, r4 has no acc; start times increase.
  for (let i = 0; i < 5; i += 1) {
    const run = await registry.ok<{ run: { info: { run_id: string } } }>('POST', 'runs/create', {
      experiment_id: experimentId,
      run_name: `r${i}`,
      start_time: 1000 + i,
      user_id: i < 2 ? 'alice' : 'bob',
    });
    const runId = run.run.info.run_id;
    await registry.ok('POST', 'runs/log-batch', {
      run_id: runId,
      metrics: i < 4 ? [{ key: 'acc', value: 0.5 + 0.1 * i, timestamp: 1 }] : [],
      params: [{ key: 'model', value: i % 2 === 0 ? 'RandomForest' : 'logistic' }],
      tags: [{ key: 'my tag', value: `t${i}` }],
    });
    if (i === 3)
      await registry.ok('POST', 'runs/update', { run_id: runId, status: 'FINISHED', end_time: 5000 });
  }
  await registry.ok('POST', 'runs/create', { experiment_id: otherExperiment, run_name: 'elsewhere' });
});
afterAll(async () => {
  await registry.close();
});

async function names(fields: Record<string, unknown>): Promise<string[]> {
  const body = await registry.ok<SearchBody>('POST', 'runs/search', {
    experiment_ids: [experimentId],
    ...fields,
  });
  return (body.runs ?? []).map((r) => r.info.run_name);
}

describe('runs/search', () => {
  it('lists an experiment newest first by default, without other experiments', async () => {
    expect(await names({})).toEqual(['r4', 'r3', 'r2', 'r1', 'r0']);
  });

  it('filters on metrics with every numeric comparator; runs without the metric never match', async () => {
    expect(await names({ filter: 'metrics.acc > 0.65' })).toEqual(['r3', 'r2']);
    expect(await names({ filter: 'metrics.acc >= 0.7' })).toEqual(['r3', 'r2']);
    expect(await names({ filter: 'metrics.acc < 0.6' })).toEqual(['r0']);
    expect(await names({ filter: 'metrics.acc <= 0.6' })).toEqual(['r1', 'r0']);
    expect(await names({ filter: 'metrics.acc = 0.5' })).toEqual(['r0']);
    expect(await names({ filter: 'metrics.acc != 0.5' })).toEqual(['r3', 'r2', 'r1']);
  });

  it('filters on params, tags (quoted keys) and attributes, with LIKE case-sensitive and ILIKE not', async () => {
    expect(await names({ filter: "params.model = 'logistic'" })).toEqual(['r3', 'r1']);
    expect(await names({ filter: "params.model LIKE 'Random%'" })).toEqual(['r4', 'r2', 'r0']);
    expect(await names({ filter: "params.model LIKE 'random%'" })).toEqual([]);
    expect(await names({ filter: "params.model ILIKE 'random%'" })).toEqual(['r4', 'r2', 'r0']);
    expect(await names({ filter: 'tags.`my tag` = "t2"' })).toEqual(['r2']);
    expect(await names({ filter: "attributes.status = 'FINISHED'" })).toEqual(['r3']);
    expect(await names({ filter: "attributes.user_id = 'alice' AND metrics.acc > 0.55" })).toEqual(['r1']);
    expect(await names({ filter: "attributes.run_name IN ('r1', 'r4')" })).toEqual(['r4', 'r1']);
    expect(await names({ filter: 'attributes.start_time >= 1003' })).toEqual(['r4', 'r3']);
  });

  it('orders by metric (missing last), param and attribute, both directions', async () => {
    expect(await names({ order_by: ['metrics.acc DESC'] })).toEqual(['r3', 'r2', 'r1', 'r0', 'r4']);
    expect(await names({ order_by: ['metrics.acc ASC'] })).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(await names({ order_by: ['params.model ASC', 'attributes.run_name DESC'] })).toEqual([
      'r4',
      'r2',
      'r0',
      'r3',
      'r1',
    ]);
    expect(await names({ order_by: ['attributes.start_time ASC'] })).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
  });

  it('pages with max_results and page_token', async () => {
    const first = await registry.ok<SearchBody>('POST', 'runs/search', {
      experiment_ids: [experimentId],
      max_results: 2,
    });
    const second = await registry.ok<SearchBody>('POST', 'runs/search', {
      experiment_ids: [experimentId],
      max_results: 2,
      page_token: first.next_page_token,
    });
    const third = await registry.ok<SearchBody>('POST', 'runs/search', {
      experiment_ids: [experimentId],
      max_results: 2,
      page_token: second.next_page_token,
    });
    expect([first, second, third].flatMap((b) => b.runs!.map((r) => r.info.run_name))).toEqual([
      'r4',
      'r3',
      'r2',
      'r1',
      'r0',
    ]);
    expect(third.next_page_token).toBeUndefined();
  });

  it('returns full run data and searches several experiments', async () => {
    const body = await registry.ok<SearchBody>('POST', 'runs/search', {
      experiment_ids: [experimentId, otherExperiment],
      filter: "attributes.run_name = 'r1'",
    });
    expect(body.runs![0]!.data.metrics).toEqual([{ key: 'acc', value: 0.6, timestamp: 1, step: 0 }]);
    const both = await registry.ok<SearchBody>('POST', 'runs/search', {
      experiment_ids: [experimentId, otherExperiment],
    });
    expect(both.runs).toHaveLength(6);
  });

  it('answers an empty object when nothing matches', async () => {
    const body = await registry.ok<SearchBody>('POST', 'runs/search', {
      experiment_ids: [experimentId],
      filter: 'metrics.acc > 5',
    });
    expect(body.runs).toEqual([]);
  });

  it('hides deleted runs unless asked', async () => {
    const created = await registry.ok<{ run: { info: { run_id: string } } }>('POST', 'runs/create', {
      experiment_id: otherExperiment,
      run_name: 'gone',
    });
    await registry.ok('POST', 'runs/delete', { run_id: created.run.info.run_id });
    const search = async (view?: string) =>
      (
        await registry.ok<SearchBody>('POST', 'runs/search', {
          experiment_ids: [otherExperiment],
          run_view_type: view,
        })
      ).runs!.map((r) => r.info.run_name);
    expect(await search()).toEqual(['elsewhere']);
    expect(await search('DELETED_ONLY')).toEqual(['gone']);
    expect((await search('ALL')).sort()).toEqual(['elsewhere', 'gone']);
  });

  it('rejects bad filters, order_by, limits and tokens with 400 naming the problem', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ filter: "metrics.acc > 'high'" }, /numeric value for metrics.acc/],
      [{ filter: 'params.model > 1' }, /Invalid comparator '>'/],
      [{ filter: "attributes.colour = 'red'" }, /Invalid attribute key 'colour'/],
      [{ filter: "datasets.name = 'x'" }, /not supported/],
      [{ filter: 'metrics.acc > 1 OR metrics.acc < 0' }, /OR is not supported/],
      [{ order_by: ['attributes.colour'] }, /Invalid order_by attribute/],
      [{ max_results: 50001 }, /max_results/],
      [{ page_token: 'bm9wZQ==' }, /Invalid page token/],
      [{ experiment_ids: ['x'] }, /experiment_id/],
    ];
    for (const [fields, message] of cases) {
      const response = await registry.call('POST', 'runs/search', {
        experiment_ids: [experimentId],
        ...fields,
      });
      const error = errorOf(response);
      expect(error, JSON.stringify(fields)).toMatchObject({
        status: 400,
        error_code: 'INVALID_PARAMETER_VALUE',
      });
      expect(error.message).toMatch(message);
    }
  });
});
