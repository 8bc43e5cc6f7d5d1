import { Writable } from 'node:stream';
import { createLogger } from '@mlops/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ERROR_STATUS, RegistryError, type RegistryErrorCode } from '../src/errors.js';
import { errorOf, tempRegistry, type TempRegistry } from './temp-registry.js';

let registry: TempRegistry;
beforeEach(async () => {
  registry = await tempRegistry();
});
afterEach(async () => {
  await registry.close();
});

describe('error responses', () => {
  it('maps every error code to a status, 4xx for everything a client can fix', () => {
    const codes = Object.keys(ERROR_STATUS) as RegistryErrorCode[];
    for (const code of codes) {
      const error = new RegistryError(code, 'x');
      expect(error.statusCode).toBe(ERROR_STATUS[code]);
      expect(error.toJSON()).toEqual({ error_code: code, message: 'x' });
    }
    expect(ERROR_STATUS.RESOURCE_DOES_NOT_EXIST).toBe(404);
    expect(ERROR_STATUS.RESOURCE_ALREADY_EXISTS).toBe(400);
    expect(ERROR_STATUS.INVALID_PARAMETER_VALUE).toBe(400);
    expect(ERROR_STATUS.UNAUTHENTICATED).toBe(401);
    expect(ERROR_STATUS.PERMISSION_DENIED).toBe(403);
    expect(ERROR_STATUS.INTERNAL_ERROR).toBe(500);
  });

  it('answers unknown endpoints with ENDPOINT_NOT_FOUND (404), which MLflow 3 clients fall back on', async () => {
    for (const url of ['/api/2.0/mlflow/logged-models', '/api/3.0/mlflow/server-info', '/nothing-here']) {
      const response = await registry.app.inject({ method: 'POST', url });
      expect(errorOf(response), url).toMatchObject({ status: 404, error_code: 'ENDPOINT_NOT_FOUND' });
    }
  });

  it('answers malformed JSON with MALFORMED_REQUEST (400) and non-object bodies with INVALID_PARAMETER_VALUE', async () => {
    const bad = await registry.app.inject({
      method: 'POST',
      url: '/api/2.0/mlflow/experiments/create',
      payload: '{"name": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(errorOf(bad)).toMatchObject({ status: 400, error_code: 'MALFORMED_REQUEST' });
    const list = await registry.app.inject({
      method: 'POST',
      url: '/api/2.0/mlflow/experiments/create',
      payload: '[1]',
      headers: { 'content-type': 'application/json' },
    });
    expect(errorOf(list)).toMatchObject({ status: 400, error_code: 'INVALID_PARAMETER_VALUE' });
  });

  it('refuses JSON sent as text/plain with 415 (a browser sends text/plain cross-site without a preflight)', async () => {
    const plain = await registry.app.inject({
      method: 'POST',
      url: '/api/2.0/mlflow/experiments/create',
      payload: '{"name":"plain"}',
      headers: { 'content-type': 'text/plain' },
    });
    expect(errorOf(plain)).toMatchObject({ status: 415, error_code: 'BAD_REQUEST' });
  });

  it('answers logged-model lookups truthfully: searches find none, gets are RESOURCE_DOES_NOT_EXIST', async () => {
    expect(await registry.ok('POST', 'logged-models/search', { experiment_ids: ['0'] })).toEqual({
      models: [],
    });
    expect(
      errorOf(await registry.call('POST', 'logged-models/search', { experiment_ids: ['9'] })).status,
    ).toBe(404);
    expect(errorOf(await registry.call('GET', 'logged-models/m-123', {})).status).toBe(404);
  });

  it('hides internal failures behind a generic INTERNAL_ERROR and logs them', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString());
        callback();
      },
    });
    const logged = await tempRegistry({
      logger: createLogger({ name: 'registry', level: 'error', destination }),
    });
    try {
      await logged.ok('POST', 'registered-models/create', { name: 'M' });
      await logged.app.registryDb.execute('DROP TABLE model_version_tags');
      const response = await logged.call('POST', 'model-versions/create', { name: 'M', source: 's' });
      const error = errorOf(response);
      expect(error).toMatchObject({ status: 500, error_code: 'INTERNAL_ERROR' });
      expect(error.message).not.toMatch(/model_version_tags|SQLITE/i);
      const entry = lines
        .map((line) => JSON.parse(line) as { level: number; err?: { message: string } })
        .find((l) => l.level === 50);
      expect(entry?.err?.message).toMatch(/model_version_tags/);
    } finally {
      await logged.close();
    }
  });
});
