/**
 * PostgreSQL for the registry tests. In the `registry-postgres` vitest project
 * the global setup (postgres-global-setup.ts) starts one throw-away cluster
 * and provides its admin URL; every temp registry then gets a database of its
 * own, dropped when it closes.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the cluster the registry-postgres project shares (empty elsewhere). */
    registryPostgresAdminUrl: string;
  }
}

/** Which backend the registry tests run on: `MLOPS_REGISTRY_TEST_BACKEND=postgresql`, else SQLite. */
export const REGISTRY_TEST_BACKEND: 'sqlite' | 'postgresql' =
  process.env.MLOPS_REGISTRY_TEST_BACKEND === 'postgresql' ? 'postgresql' : 'sqlite';

/** The cluster's superuser URL; fails with a clear message outside the PostgreSQL project. */
export function postgresAdminUrl(): string {
  const url = inject('registryPostgresAdminUrl');
  if (!url) {
    throw new Error(
      'No PostgreSQL cluster for the registry tests: run them in the registry-postgres vitest project ' +
        '(npx vitest run --project registry-postgres ...)',
    );
  }
  return url;
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresAdminUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates an empty database on the shared cluster and returns its URL. */
export async function createTestDatabase(): Promise<string> {
  const name = `registry_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(postgresAdminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops a database made by createTestDatabase, closing any connection still open on it. */
export async function dropTestDatabase(databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
