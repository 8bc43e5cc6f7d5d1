/**
 * Builds a registry for a test on a fresh temp folder (artifact root, and the
 * SQLite file) or, with MLOPS_REGISTRY_TEST_BACKEND=postgresql, on a fresh
 * database of the project's PostgreSQL cluster, with small helpers to call the
 * MLflow API through `app.inject`. Every registry test gets its store this
 * way, so the same suite checks both backends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp, type RegistryAppOptions } from '../src/app.js';
import { REGISTRY_TEST_BACKEND, createTestDatabase, dropTestDatabase } from './postgres-databases.js';

export interface TempRegistry {
  app: FastifyInstance;
  dir: string;
  /** The SQLite file, or the PostgreSQL database URL. */
  dbPath: string;
  /** The artifact folder (or `s3://` root when the options gave one). */
  artifactRoot: string;
  /** Calls `/api/2.0/mlflow/<endpoint>`: GET fields go to the query, others to a JSON body. */
  call(
    method: InjectOptions['method'],
    endpoint: string,
    fields?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  /** Like call, but fails the test unless the answer is 200, and returns the parsed body. */
  ok<T = Record<string, unknown>>(
    method: InjectOptions['method'],
    endpoint: string,
    fields?: Record<string, unknown>,
  ): Promise<T>;
  close(): Promise<void>;
}

export function tempDir(prefix = 'registry-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A new database location for the backend under test: a SQLite file in `dir`, or a fresh PostgreSQL database. */
export async function tempDatabase(dir: string): Promise<string> {
  return REGISTRY_TEST_BACKEND === 'postgresql' ? createTestDatabase() : join(dir, 'registry.db');
}

/** A registry on a new temp folder and database; options override the defaults. */
export async function tempRegistry(options: Partial<RegistryAppOptions> = {}): Promise<TempRegistry> {
  const dir = tempDir();
  const dbPath = options.dbPath ?? (await tempDatabase(dir));
  const artifactRoot = options.artifactRoot ?? join(dir, 'mlruns');
  const app = buildApp({ ...options, dbPath, artifactRoot });
  const call: TempRegistry['call'] = (method, endpoint, fields = {}, headers = {}) => {
    const url = `/api/2.0/mlflow/${endpoint}`;
    if (method === 'GET') {
      const query: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(fields)) {
        if (v !== undefined) query[k] = Array.isArray(v) ? v.map(String) : String(v);
      }
      return app.inject({ method, url, query, headers });
    }
    return app.inject({ method, url, payload: fields, headers });
  };
  return {
    app,
    dir,
    dbPath,
    artifactRoot,
    call,
    async ok<T>(method: InjectOptions['method'], endpoint: string, fields?: Record<string, unknown>) {
      const response = await call(method, endpoint, fields);
      if (response.statusCode !== 200) {
        throw new Error(`${String(method)} ${endpoint} answered ${response.statusCode}: ${response.body}`);
      }
      return response.json<T>();
    },
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
      if (REGISTRY_TEST_BACKEND === 'postgresql' && options.dbPath === undefined)
        await dropTestDatabase(dbPath);
    },
  };
}

/** Parses an MLflow error body. */
export function errorOf(response: LightMyRequestResponse): {
  status: number;
  error_code: string;
  message: string;
} {
  const body = response.json<{ error_code: string; message: string }>();
  return { status: response.statusCode, error_code: body.error_code, message: body.message };
}
