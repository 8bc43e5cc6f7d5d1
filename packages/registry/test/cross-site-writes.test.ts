/**
 * Cross-site request forgery: with no token (the default) a web page the
 * operator opens must not be able to write to the registry with "simple"
 * cross-origin requests (text/plain or form bodies, no preflight), while
 * curl, the MLflow client, the TypeScript client and the registry's own UI
 * keep working.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorOf, tempRegistry, type TempRegistry } from './temp-registry.js';

const CREATE = '/api/2.0/mlflow/experiments/create';
const HOST = '127.0.0.1:5000';

let registry: TempRegistry;
beforeEach(async () => {
  registry = await tempRegistry();
});
afterEach(async () => {
  await registry.close();
});

function post(payload: string, headers: Record<string, string>, url = CREATE) {
  return registry.app.inject({ method: 'POST', url, payload, headers: { host: HOST, ...headers } });
}

async function experimentExists(name: string): Promise<boolean> {
  const response = await registry.call('GET', 'experiments/get-by-name', { experiment_name: name });
  return response.statusCode === 200;
}

describe('request content types', () => {
  it('refuses text/plain, form and typeless bodies with 415 and an MLflow error naming the type', async () => {
    for (const contentType of [
      'text/plain',
      'text/plain; charset=utf-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/jsonp',
    ]) {
      const response = await post('{"name":"forged"}', { 'content-type': contentType });
      const error = errorOf(response);
      expect(error, contentType).toMatchObject({ status: 415, error_code: 'BAD_REQUEST' });
      expect(error.message).toContain(contentType.split(';')[0]!);
      expect(error.message).toContain('application/json');
    }
    const typeless = await registry.app.inject({
      method: 'POST',
      url: CREATE,
      payload: Buffer.from('{"name":"forged"}'),
    });
    expect(errorOf(typeless)).toMatchObject({ status: 415, error_code: 'BAD_REQUEST' });
    expect(await experimentExists('forged')).toBe(false);
  });

  it('accepts application/json with or without a charset, and body-less POSTs', async () => {
    expect((await post('{"name":"a"}', { 'content-type': 'application/json' })).statusCode).toBe(200);
    expect(
      (await post('{"name":"b"}', { 'content-type': 'application/json; charset=utf-8' })).statusCode,
    ).toBe(200);
    expect(
      (await post('{"name":"c"}', { 'content-type': 'Application/JSON;charset=UTF-8' })).statusCode,
    ).toBe(200);
    const empty = await registry.app.inject({ method: 'POST', url: '/api/2.0/mlflow/experiments/search' });
    expect(empty.statusCode).toBe(200);
  });

  it('keeps artifact uploads raw: any content type is stored as bytes', async () => {
    const run = await registry.ok<{ run: { info: { artifact_uri: string } } }>('POST', 'runs/create', {});
    const path = run.run.info.artifact_uri.replace('mlflow-artifacts:/', '');
    const put = await registry.app.inject({
      method: 'PUT',
      url: `/api/2.0/mlflow-artifacts/artifacts/${path}/note.txt`,
      payload: 'hello',
      headers: { 'content-type': 'text/plain' },
    });
    expect(put.statusCode).toBe(200);
  });
});

describe('cross-origin writes', () => {
  const json = { 'content-type': 'application/json' };

  it('refuses a write whose Origin is another site with 403 PERMISSION_DENIED naming the origin', async () => {
    const response = await post('{"name":"forged"}', { ...json, origin: 'https://evil.example' });
    const error = errorOf(response);
    expect(error).toMatchObject({ status: 403, error_code: 'PERMISSION_DENIED' });
    expect(error.message).toContain('https://evil.example');
    expect(error.message).toContain('REGISTRY_ALLOWED_ORIGINS');
    expect(await experimentExists('forged')).toBe(false);
  });

  it('refuses another port of the same host, Origin: null, and Sec-Fetch-Site: cross-site', async () => {
    const cases: Record<string, string>[] = [
      { origin: 'http://127.0.0.1:8081' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      { origin: `http://${HOST}`, 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of cases) {
      const response = await post('{"name":"forged"}', { ...json, ...headers });
      expect(errorOf(response), JSON.stringify(headers)).toMatchObject({
        status: 403,
        error_code: 'PERMISSION_DENIED',
      });
    }
    expect(await experimentExists('forged')).toBe(false);
  });

  it('guards every write route under both prefixes: aliases, tags, artifacts, deletes', async () => {
    const forged = { origin: 'https://evil.example' };
    const cases = [
      { method: 'POST', url: '/ajax-api/2.0/mlflow/registered-models/alias' },
      { method: 'POST', url: '/api/2.0/mlflow/runs/set-tag' },
      { method: 'DELETE', url: '/api/2.0/mlflow/registered-models/delete' },
      { method: 'PATCH', url: '/api/2.0/mlflow/model-versions/update' },
      { method: 'PUT', url: '/api/2.0/mlflow-artifacts/artifacts/0/x/artifacts/a.txt' },
    ] as const;
    for (const { method, url } of cases) {
      const response = await registry.app.inject({
        method,
        url,
        payload: '{}',
        headers: { host: HOST, ...json, ...forged },
      });
      expect(errorOf(response), `${method} ${url}`).toMatchObject({ status: 403 });
    }
  });

  it('accepts writes from its own origin (its web UI) and without Origin (curl, MLflow and TS clients)', async () => {
    const own = await post('{"name":"ui"}', {
      ...json,
      origin: `http://${HOST}`,
      'sec-fetch-site': 'same-origin',
    });
    expect(own.statusCode).toBe(200);
    expect((await post('{"name":"curl"}', json)).statusCode).toBe(200);
    expect((await post('{"name":"nav"}', { ...json, 'sec-fetch-site': 'none' })).statusCode).toBe(200);
  });

  it('keeps reads open to any origin', async () => {
    const response = await registry.app.inject({
      method: 'GET',
      url: '/api/2.0/mlflow/experiments/get?experiment_id=0',
      headers: { host: HOST, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    });
    expect(response.statusCode).toBe(200);
  });

  it('accepts origins listed in allowedOrigins (REGISTRY_ALLOWED_ORIGINS)', async () => {
    const allowed = await tempRegistry({ allowedOrigins: ['https://notebook.example:8888'] });
    try {
      const response = await allowed.app.inject({
        method: 'POST',
        url: CREATE,
        payload: '{"name":"from-notebook"}',
        headers: {
          host: HOST,
          ...json,
          origin: 'https://notebook.example:8888',
          'sec-fetch-site': 'cross-site',
        },
      });
      expect(response.statusCode).toBe(200);
      const other = await allowed.app.inject({
        method: 'POST',
        url: CREATE,
        payload: '{"name":"forged"}',
        headers: { host: HOST, ...json, origin: 'https://evil.example' },
      });
      expect(other.statusCode).toBe(403);
    } finally {
      await allowed.close();
    }
  });
});
