/**
 * Hostile and malformed input found by attack and fuzz runs: every one must be
 * answered with a 4xx MLflow error (`{"error_code","message"}`), never a 500,
 * and the registry must keep serving afterwards.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorOf, tempRegistry, type TempRegistry } from './temp-registry.js';

const ART = '/api/2.0/mlflow-artifacts/artifacts';

let registry: TempRegistry;
let runId: string;
let runPath: string;
beforeEach(async () => {
  registry = await tempRegistry();
  const run = await registry.ok<{ run: { info: { run_id: string; artifact_uri: string } } }>(
    'POST',
    'runs/create',
    {},
  );
  runId = run.run.info.run_id;
  runPath = run.run.info.artifact_uri.replace('mlflow-artifacts:/', '');
});
afterEach(async () => {
  await registry.close();
});

/** Sends over real HTTP on loopback, so Node's parser and socket handling take part. */
async function overHttp(
  method: string,
  path: string,
  body?: string | Buffer,
  contentType = 'application/json',
): Promise<{ status: number; body: { error_code?: string; message?: string } }> {
  if (!registry.app.server.listening) await registry.app.listen({ port: 0, host: '127.0.0.1' });
  const address = registry.app.server.address() as { port: number };
  const response = await fetch(`http://127.0.0.1:${address.port}${path}`, {
    method,
    body,
    headers: body === undefined ? {} : { 'content-type': contentType },
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as { error_code?: string; message?: string } };
}

describe('artifact paths', () => {
  const longSegment = 'a'.repeat(300);

  it.each(['PUT', 'GET', 'DELETE'] as const)(
    '%s with a path segment over 255 bytes is INVALID_PARAMETER_VALUE',
    async (method) => {
      const response = await registry.app.inject({
        method,
        url: `${ART}/${runPath}/${longSegment}.txt`,
        payload: method === 'PUT' ? 'x' : undefined,
        headers: method === 'PUT' ? { 'content-type': 'application/octet-stream' } : {},
      });
      const error = errorOf(response);
      expect(error).toMatchObject({ status: 400, error_code: 'INVALID_PARAMETER_VALUE' });
      expect(error.message).toMatch(/255/);
    },
  );

  it('refuses a whole path longer than the limit, and a path longer than the router allows', async () => {
    const deep = Array.from({ length: 30 }, () => 'b'.repeat(200)).join('/');
    const response = await registry.app.inject({ method: 'GET', url: `${ART}/${runPath}/${deep}` });
    expect(errorOf(response)).toMatchObject({ status: 400, error_code: 'INVALID_PARAMETER_VALUE' });
    const huge = await registry.app.inject({ method: 'GET', url: `${ART}/${'c/'.repeat(2000)}x` });
    expect(errorOf(huge)).toMatchObject({ status: 400, error_code: 'INVALID_PARAMETER_VALUE' });
  });

  it.each([
    ['a newline', 'a%0Ab.txt'],
    ['a carriage return', 'a%0Db.txt'],
    ['a control character', 'a%01b.txt'],
    ['DEL', 'a%7Fb.txt'],
    ['a NUL byte', 'a%00b.txt'],
  ])('refuses %s in a file name on upload and download', async (_what, name) => {
    const put = await registry.app.inject({
      method: 'PUT',
      url: `${ART}/${runPath}/${name}`,
      payload: 'x',
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(errorOf(put)).toMatchObject({ status: 400, error_code: 'INVALID_PARAMETER_VALUE' });
    const get = await registry.app.inject({ method: 'GET', url: `${ART}/${runPath}/${name}` });
    expect(errorOf(get)).toMatchObject({ status: 400, error_code: 'INVALID_PARAMETER_VALUE' });
  });

  it.each(['a%zzb.txt', 'a%E0%A4%A.txt', '%', 'a%2'])(
    'answers malformed percent-encoding (%s) with an MLflow error',
    async (name) => {
      const response = await registry.app.inject({ method: 'GET', url: `${ART}/${runPath}/${name}` });
      const error = errorOf(response);
      expect(error).toMatchObject({ status: 400, error_code: 'INVALID_PARAMETER_VALUE' });
      expect(error.message).toMatch(/percent-encoding|not a valid/i);
    },
  );

  it('refuses very long ?path= values on both listing endpoints', async () => {
    const long = 'a'.repeat(5000);
    const proxied = await registry.app.inject({ method: 'GET', url: `${ART}?path=${long}` });
    expect(errorOf(proxied)).toMatchObject({ status: 400, error_code: 'INVALID_PARAMETER_VALUE' });
    const byRun = await registry.app.inject({
      method: 'GET',
      url: `/api/2.0/mlflow/artifacts/list?run_id=${runId}&path=${long}`,
    });
    expect(errorOf(byRun)).toMatchObject({ status: 400, error_code: 'INVALID_PARAMETER_VALUE' });
    const control = await registry.app.inject({ method: 'GET', url: `${ART}?path=a%0Ab` });
    expect(errorOf(control)).toMatchObject({ status: 400, error_code: 'INVALID_PARAMETER_VALUE' });
  });

  it('still serves ordinary names with spaces, unicode and a literal percent sign', async () => {
    for (const name of ['my file.txt', 'résumé-ü.txt', '100%25 done.txt']) {
      const put = await registry.app.inject({
        method: 'PUT',
        url: `${ART}/${runPath}/${encodeURIComponent(decodeURIComponent(name))}`,
        payload: 'x',
        headers: { 'content-type': 'application/octet-stream' },
      });
      expect(put.statusCode, name).toBe(200);
    }
  });
});

describe('oversized fields and bodies', () => {
  const megabyte = 'n'.repeat(1_000_000);

  it('refuses a 1 MB experiment name on create and on rename', async () => {
    const create = await overHttp(
      'POST',
      '/api/2.0/mlflow/experiments/create',
      JSON.stringify({ name: megabyte }),
    );
    expect(create).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
    const { experiment_id } = await registry.ok<{ experiment_id: string }>('POST', 'experiments/create', {
      name: 'e',
    });
    const rename = await overHttp(
      'POST',
      '/api/2.0/mlflow/experiments/update',
      JSON.stringify({ experiment_id, new_name: megabyte }),
    );
    expect(rename).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect(rename.body.message).toMatch(/500/);
  });

  it('refuses a 1 MB run name on create and on update', async () => {
    const create = await overHttp(
      'POST',
      '/api/2.0/mlflow/runs/create',
      JSON.stringify({ experiment_id: '0', run_name: megabyte }),
    );
    expect(create).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
    const update = await overHttp(
      'POST',
      '/api/2.0/mlflow/runs/update',
      JSON.stringify({ run_id: runId, run_name: megabyte }),
    );
    expect(update).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
  });

  it('answers a 16 MiB body with 413 RESOURCE_LIMIT_EXCEEDED, wherever it is sent', async () => {
    const body = Buffer.alloc(16 * 1024 * 1024, 'x');
    // A type the API does not read is refused before the body is read.
    const plain = await overHttp('POST', '/api/2.0/mlflow/experiments/create', body, 'text/plain');
    expect(plain).toMatchObject({ status: 415, body: { error_code: 'BAD_REQUEST' } });
    for (const [method, path, type] of [
      ['POST', '/api/2.0/mlflow/experiments/create', 'application/json'],
      ['POST', '/', 'application/json'],
      ['POST', '/ajax-api/2.0/mlflow/runs/log-batch', 'application/json'],
      ['POST', '/nothing-here', 'application/json'],
    ] as const) {
      const response = await overHttp(method, path, body, type);
      expect(response, `${path} ${type}`).toMatchObject({
        status: 413,
        body: { error_code: 'RESOURCE_LIMIT_EXCEEDED' },
      });
    }
    expect((await overHttp('GET', '/health')).status).toBe(200);
  });
});

describe('JSON keys and methods', () => {
  it('accepts a body with a __proto__ key without polluting any prototype', async () => {
    const response = await registry.app.inject({
      method: 'POST',
      url: '/api/2.0/mlflow/experiments/create',
      payload:
        '{"__proto__":{"polluted":true,"name":"hijacked"},"constructor":{"prototype":{"polluted":true}},"name":"safe"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    const got = await registry.call('GET', 'experiments/get-by-name', { experiment_name: 'safe' });
    expect(got.statusCode).toBe(200);
    expect(
      (await registry.call('GET', 'experiments/get-by-name', { experiment_name: 'hijacked' })).statusCode,
    ).toBe(404);
  });

  it('answers TRACE and other methods an existing route lacks with 405 and an Allow header', async () => {
    const trace = await registry.app.inject({ method: 'TRACE', url: '/api/2.0/mlflow/experiments/create' });
    expect(trace.statusCode).toBe(405);
    expect(trace.headers.allow).toBe('POST');
    expect(trace.json()).toMatchObject({ error_code: 'ENDPOINT_NOT_FOUND' });
    expect(trace.json<{ message: string }>().message).toMatch(/TRACE.*POST/);

    const postToGet = await registry.app.inject({
      method: 'POST',
      url: '/ajax-api/2.0/mlflow/experiments/get',
      payload: {},
    });
    expect(postToGet.statusCode).toBe(405);
    expect(postToGet.headers.allow).toBe('GET, HEAD');

    const search = await registry.app.inject({
      method: 'PUT',
      url: '/api/2.0/mlflow/runs/search',
      payload: {},
    });
    expect(search.statusCode).toBe(405);
    expect(search.headers.allow).toBe('GET, HEAD, POST');

    const artifact = await registry.app.inject({
      method: 'POST',
      url: `${ART}/${runPath}/a.txt`,
      payload: {},
    });
    expect(artifact.statusCode).toBe(405);
    expect(artifact.headers.allow).toBe('DELETE, GET, HEAD, PUT');

    const ui = await registry.app.inject({ method: 'TRACE', url: '/' });
    expect(ui.statusCode).toBe(405);
  });

  it('keeps 404 ENDPOINT_NOT_FOUND for paths no route has', async () => {
    const response = await registry.app.inject({ method: 'TRACE', url: '/api/2.0/mlflow/no-such-thing' });
    expect(errorOf(response)).toMatchObject({ status: 404, error_code: 'ENDPOINT_NOT_FOUND' });
  });
});
