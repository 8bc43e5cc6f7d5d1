import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorOf, tempRegistry, type TempRegistry } from './temp-registry.js';

const TOKEN = 's3cret-token';
let registry: TempRegistry;
beforeEach(async () => {
  registry = await tempRegistry({ token: TOKEN });
});
afterEach(async () => {
  await registry.close();
});

describe('REGISTRY_TOKEN', () => {
  it('answers a write without credentials with 401 UNAUTHENTICATED and changes nothing', async () => {
    const response = await registry.call('POST', 'experiments/create', { name: 'x' });
    expect(errorOf(response)).toMatchObject({ status: 401, error_code: 'UNAUTHENTICATED' });
    expect((await registry.call('GET', 'experiments/get-by-name', { experiment_name: 'x' })).statusCode).toBe(
      404,
    );
  });

  it('answers a wrong token with 403 PERMISSION_DENIED', async () => {
    const response = await registry.call(
      'POST',
      'experiments/create',
      { name: 'x' },
      { authorization: 'Bearer wrong' },
    );
    expect(errorOf(response)).toMatchObject({ status: 403, error_code: 'PERMISSION_DENIED' });
  });

  it('accepts the bearer token, and Basic auth whose password is the token', async () => {
    const bearer = await registry.call(
      'POST',
      'experiments/create',
      { name: 'a' },
      { authorization: `Bearer ${TOKEN}` },
    );
    expect(bearer.statusCode).toBe(200);
    const basic = Buffer.from(`user:${TOKEN}`).toString('base64');
    const viaBasic = await registry.call(
      'POST',
      'experiments/create',
      { name: 'b' },
      { authorization: `Basic ${basic}` },
    );
    expect(viaBasic.statusCode).toBe(200);
  });

  it('keeps reads open, including the MLflow searches that are POSTs', async () => {
    expect((await registry.call('GET', 'experiments/get', { experiment_id: '0' })).statusCode).toBe(200);
    for (const endpoint of [
      'runs/search',
      'experiments/search',
      'registered-models/search',
      'model-versions/search',
      'logged-models/search',
    ]) {
      const response = await registry.call('POST', endpoint, { experiment_ids: ['0'] });
      expect(response.statusCode, endpoint).toBe(200);
    }
    expect((await registry.app.inject({ method: 'GET', url: '/' })).statusCode).toBe(200);
  });

  it('protects artifact uploads and deletes, PATCH and DELETE endpoints, and the ajax prefix', async () => {
    const put = await registry.app.inject({
      method: 'PUT',
      url: '/api/2.0/mlflow-artifacts/artifacts/0/x/artifacts/a.txt',
      payload: 'a',
    });
    expect(put.statusCode).toBe(401);
    const del = await registry.app.inject({
      method: 'DELETE',
      url: '/api/2.0/mlflow-artifacts/artifacts/0/x/artifacts/a.txt',
    });
    expect(del.statusCode).toBe(401);
    expect((await registry.call('PATCH', 'registered-models/update', { name: 'M' })).statusCode).toBe(401);
    expect((await registry.call('DELETE', 'registered-models/delete', { name: 'M' })).statusCode).toBe(401);
    const ajax = await registry.app.inject({
      method: 'POST',
      url: '/ajax-api/2.0/mlflow/experiments/create',
      payload: { name: 'z' },
    });
    expect(ajax.statusCode).toBe(401);
  });
});

describe('without a token', () => {
  it('leaves writes open', async () => {
    const open = await tempRegistry();
    try {
      expect((await open.call('POST', 'experiments/create', { name: 'x' })).statusCode).toBe(200);
    } finally {
      await open.close();
    }
  });
});
