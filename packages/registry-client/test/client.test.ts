/**
 * RegistryClient against a real registry listening on 127.0.0.1 (the registry
 * package's buildApp, imported by path: core never imports a service at run
 * time, only this test does), plus tiny real HTTP servers for failure modes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../registry/src/app.js';
import { RegistryClient } from '../src/client.js';
import { RegistryClientError, RegistryUnavailableError } from '../src/errors.js';

type App = ReturnType<typeof buildApp>;

async function startRegistry(
  token?: string,
): Promise<{ app: App; url: string; dir: string; requests: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'registry-client-'));
  const app = buildApp({ dbPath: join(dir, 'registry.db'), artifactRoot: join(dir, 'mlruns'), token });
  const requests: string[] = [];
  app.addHook('onRequest', async (request) => {
    requests.push(`${request.method} ${request.url.split('?')[0]}`);
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url, dir, requests };
}

let registry: Awaited<ReturnType<typeof startRegistry>>;
let client: RegistryClient;

beforeAll(async () => {
  registry = await startRegistry();
  client = new RegistryClient({ baseUrl: registry.url, retryDelayMs: 5 });
});
afterAll(async () => {
  await registry.app.close();
  rmSync(registry.dir, { recursive: true, force: true });
});

describe('experiments and runs', () => {
  it('gets or creates an experiment, returning the same one on the next call and restoring a deleted one', async () => {
    const created = await client.getOrCreateExperiment('housing');
    expect(created).toMatchObject({
      name: 'housing',
      lifecycleStage: 'active',
      artifactLocation: `mlflow-artifacts:/${created.experimentId}`,
    });
    expect((await client.getOrCreateExperiment('housing')).experimentId).toBe(created.experimentId);
    await registry.app.inject({
      method: 'POST',
      url: '/api/2.0/mlflow/experiments/delete',
      payload: { experiment_id: created.experimentId },
    });
    const restored = await client.getOrCreateExperiment('housing');
    expect(restored).toMatchObject({ experimentId: created.experimentId, lifecycleStage: 'active' });
    expect(await client.getExperimentByName('missing')).toBeUndefined();
  });

  it('logs params, metrics (NaN included) and tags, and reads them back', async () => {
    const { experimentId } = await client.getOrCreateExperiment('logging');
    const run = await client.createRun({ experimentId, runName: 'r1', tags: { source: 'test' } });
    expect(run.info).toMatchObject({ runName: 'r1', status: 'RUNNING', experimentId });
    const params = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`p${i}`, i]));
    await client.logParams(run.info.runId, { ...params, trees: 100, bootstrap: true });
    await client.logMetrics(run.info.runId, { accuracy: 0.8, drift: Number.NaN }, { step: 1 });
    await client.logMetrics(run.info.runId, [
      { key: 'loss', value: 0.5, timestamp: 10, step: 0 },
      { key: 'loss', value: 0.3, timestamp: 20, step: 1 },
    ]);
    await client.logMetric(run.info.runId, 'accuracy', 0.9, { step: 2 });
    await client.setTags(run.info.runId, { stage: 'train', owner: 'ml' });
    await client.setTag(run.info.runId, 'note', 'hello');
    await client.deleteTag(run.info.runId, 'owner');

    const read = await client.getRun(run.info.runId);
    expect(read.data.params).toMatchObject({ trees: '100', bootstrap: 'true', p149: '149' });
    expect(Object.keys(read.data.params)).toHaveLength(152);
    expect(read.data.metrics.accuracy).toBe(0.9);
    expect(read.data.metrics.drift).toBeNaN();
    expect(read.data.tags).toMatchObject({
      source: 'test',
      stage: 'train',
      note: 'hello',
      'mlflow.runName': 'r1',
    });
    expect(read.data.tags.owner).toBeUndefined();
    expect((await client.getMetricHistory(run.info.runId, 'loss')).map((m) => [m.step, m.value])).toEqual([
      [0, 0.5],
      [1, 0.3],
    ]);

    const ended = await client.endRun(run.info.runId, 'FINISHED');
    expect(ended.status).toBe('FINISHED');
    expect(ended.endTime).toBeGreaterThan(0);
  });

  it('searches runs with a filter and ordering, following pages', async () => {
    const { experimentId } = await client.getOrCreateExperiment('search');
    for (let i = 0; i < 7; i += 1) {
      const run = await client.createRun({ experimentId, runName: `s${i}` });
      await client.logMetrics(run.info.runId, { f1: i / 10 });
    }
    const found = await client.searchRuns({
      experimentIds: [experimentId],
      filter: 'metrics.f1 >= 0.3',
      orderBy: ['metrics.f1 DESC'],
    });
    expect(found.map((r) => r.info.runName)).toEqual(['s6', 's5', 's4', 's3']);
    const limited = await client.searchRuns({ experimentIds: [experimentId], maxResults: 3 });
    expect(limited).toHaveLength(3);
  });
});

describe('artifacts', () => {
  it('uploads bytes, text and files, lists them, and downloads by run id, artifact URI and runs:/ URI', async () => {
    const { experimentId } = await client.getOrCreateExperiment('artifacts');
    const run = await client.createRun({ experimentId });
    const runId = run.info.runId;
    const local = join(registry.dir, 'bundle.json');
    writeFileSync(local, JSON.stringify({ kind: 'bundle' }));
    await client.uploadArtifact(runId, 'plots/cm.png', Buffer.from([1, 2, 3]));
    await client.uploadArtifact(runId, 'report.md', '# Report');
    await client.uploadArtifact(runId, 'model/model.bundle.json', { file: local });

    expect(await client.listArtifacts(runId)).toEqual([
      { path: 'model', isDir: true },
      { path: 'plots', isDir: true },
      { path: 'report.md', isDir: false, fileSize: 8 },
    ]);
    expect(await client.listArtifacts(runId, 'plots')).toEqual([
      { path: 'plots/cm.png', isDir: false, fileSize: 3 },
    ]);
    expect(await client.downloadArtifact(runId, 'plots/cm.png')).toEqual(Buffer.from([1, 2, 3]));
    expect((await client.downloadArtifact(run.info.artifactUri, 'report.md')).toString()).toBe('# Report');
    expect((await client.downloadArtifact(`runs:/${runId}/model/model.bundle.json`)).toString()).toBe(
      '{"kind":"bundle"}',
    );
    const target = join(registry.dir, 'downloaded.json');
    await client.downloadArtifactToFile(`runs:/${runId}/model`, 'model.bundle.json', target);
    expect(readFileSync(target, 'utf8')).toBe('{"kind":"bundle"}');

    const missing = await client.downloadArtifact(runId, 'nope.txt').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(RegistryClientError);
    expect(missing).toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST', status: 404 });
  });
});

describe('model registry', () => {
  it('registers versions, moves aliases and reads them back; unknown aliases and models read as undefined', async () => {
    const { experimentId } = await client.getOrCreateExperiment('models');
    const run = await client.createRun({ experimentId });
    const first = await client.createRegisteredModel('Clf', { description: 'price classes' });
    const again = await client.createRegisteredModel('Clf');
    expect(again.creationTimestamp).toBe(first.creationTimestamp);

    const v1 = await client.createModelVersion('Clf', `${run.info.artifactUri}/model`, run.info.runId, {
      gate: 'passed',
    });
    const v2 = await client.createModelVersion('Clf', `runs:/${run.info.runId}/model`, run.info.runId);
    expect([v1.version, v2.version]).toEqual(['1', '2']);
    expect(v1).toMatchObject({
      runId: run.info.runId,
      status: 'READY',
      tags: { gate: 'passed' },
      aliases: [],
    });

    expect(await client.getModelVersionByAlias('Clf', 'production')).toBeUndefined();
    expect(await client.getModelVersionByAlias('NoSuchModel', 'production')).toBeUndefined();
    await client.setAlias('Clf', 'production', v1.version);
    await client.setAlias('Clf', 'staging', 2);
    expect(await client.getModelVersionByAlias('Clf', 'production')).toMatchObject({
      version: '1',
      aliases: ['production'],
    });
    await client.setAlias('Clf', 'production', '2');
    expect((await client.getModelVersionByAlias('Clf', 'production'))?.version).toBe('2');
    expect((await client.getRegisteredModel('Clf'))?.aliases).toEqual({ production: '2', staging: '2' });
    await client.deleteAlias('Clf', 'staging');
    expect(await client.getModelVersionByAlias('Clf', 'staging')).toBeUndefined();

    expect((await client.searchModelVersions({ name: 'Clf' })).map((v) => v.version)).toEqual(['2', '1']);
    expect(await client.searchModelVersions(`run_id = '${run.info.runId}'`)).toHaveLength(2);
    expect(await client.getModelVersionDownloadUri('Clf', 2)).toBe(`${run.info.artifactUri}/model`);
    expect((await client.updateModelVersion('Clf', 1, 'old')).description).toBe('old');
    await client.setModelVersionTag('Clf', 1, 'k', 'v');
    expect((await client.getModelVersion('Clf', 1)).tags).toMatchObject({ k: 'v' });
    expect(await client.getRegisteredModel('Nope')).toBeUndefined();
  });

  it('throws RegistryClientError with code, status and message on a 4xx, without retrying', async () => {
    const before = registry.requests.length;
    const error = await client.createModelVersion('Unknown', 'src').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryClientError);
    expect(error).toMatchObject({
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
      status: 404,
      name: 'RegistryClientError',
    });
    expect((error as Error).message).toContain('Registered Model with name=Unknown not found');
    expect(registry.requests.length - before).toBe(1);
  });
});

describe('transport', () => {
  it('sends the bearer token; without it a write fails with UNAUTHENTICATED', async () => {
    const secured = await startRegistry('tok');
    try {
      const anonymous = new RegistryClient({ baseUrl: secured.url, retryDelayMs: 1 });
      expect(await anonymous.getExperimentByName('Default')).toBeDefined();
      await expect(anonymous.createExperiment('x')).rejects.toMatchObject({
        errorCode: 'UNAUTHENTICATED',
        status: 401,
      });
      const authorised = new RegistryClient({ baseUrl: secured.url, token: 'tok', retryDelayMs: 1 });
      expect(await authorised.createExperiment('x')).toBe('1');
    } finally {
      await secured.app.close();
      rmSync(secured.dir, { recursive: true, force: true });
    }
  });

  it('retries 5xx answers with backoff and succeeds when the server recovers', async () => {
    let calls = 0;
    const server = await listen((_req, res) => {
      calls += 1;
      if (calls <= 2) {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ experiment_id: '7' }));
    });
    try {
      const flaky = new RegistryClient({ baseUrl: server.url, retries: 3, retryDelayMs: 5 });
      expect(await flaky.createExperiment('x')).toBe('7');
      expect(calls).toBe(3);
    } finally {
      server.close();
    }
  });

  it('gives up after the configured retries with RegistryUnavailableError naming the last problem', async () => {
    let calls = 0;
    const server = await listen((_req, res) => {
      calls += 1;
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('boom');
    });
    try {
      const failing = new RegistryClient({ baseUrl: server.url, retries: 2, retryDelayMs: 1 });
      const error = await failing.getRun('abc').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RegistryUnavailableError);
      expect(error).toMatchObject({ status: 500 });
      expect((error as Error).message).toMatch(/after 3 attempts.*HTTP 500/);
      expect(calls).toBe(3);
    } finally {
      server.close();
    }
  });

  it('retries connection errors and reports them as RegistryUnavailableError', async () => {
    const server = await listen(() => undefined);
    const url = server.url;
    server.close();
    const offline = new RegistryClient({ baseUrl: url, retries: 1, retryDelayMs: 1 });
    const error = await offline.getExperiment('0').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryUnavailableError);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
  });
});

async function listen(
  handler: Parameters<typeof createServer>[1],
): Promise<{ url: string; close: () => void }> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}
