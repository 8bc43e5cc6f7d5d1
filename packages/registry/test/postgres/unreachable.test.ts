/**
 * A registry whose PostgreSQL is missing or goes away: start-up fails with a
 * message naming REGISTRY_DB (password hidden), and /health answers 503 once
 * the server is gone, so a load balancer takes the replica out.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../test/support/free-port.js';
import { startPostgres } from '../../../../test/support/postgres-server.js';
import { buildApp } from '../../src/app.js';
import { startRegistryProcess } from '../registry-process.js';
import { errorOf, tempDir, tempRegistry } from '../temp-registry.js';

const PASSWORD = 'hunter2-secret';

describe('start-up without a reachable PostgreSQL', () => {
  it('fails naming REGISTRY_DB, with the password hidden', async () => {
    const port = await freePort();
    const app = buildApp({
      dbPath: `postgresql://registry:${PASSWORD}@127.0.0.1:${port}/registry`,
      artifactRoot: tempDir(),
    });
    const failure = await app.ready().then(
      () => undefined,
      (error: Error) => error,
    );
    await app.close().catch(() => undefined);
    expect(failure?.message).toMatch(
      new RegExp(
        `^REGISTRY_DB=postgresql://registry:\\*\\*\\*@127\\.0\\.0\\.1:${port}/registry: cannot connect to PostgreSQL: .*ECONNREFUSED`,
      ),
    );
    expect(failure?.message).not.toContain(PASSWORD);
  });

  it('refuses a URL without a database before connecting', async () => {
    const app = buildApp({
      dbPath: `postgres://registry:${PASSWORD}@127.0.0.1:5432`,
      artifactRoot: tempDir(),
    });
    const failure = await app.ready().then(
      () => undefined,
      (error: Error) => error,
    );
    await app.close().catch(() => undefined);
    expect(failure?.message).toBe(
      'REGISTRY_DB=postgres://registry:***@127.0.0.1:5432: it names no database (/database at the end)',
    );
  });

  it('ends the registry process with the message in its log and exit code 1', async () => {
    const port = await freePort();
    const failure = await startRegistryProcess({
      REGISTRY_DB: `postgresql://registry:${PASSWORD}@127.0.0.1:${port}/registry`,
      REGISTRY_ARTIFACT_ROOT: tempDir(),
    }).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure?.message).toMatch(/registry exited early \(code 1/);
    expect(failure?.message).toMatch(/REGISTRY_DB=postgresql:\/\/registry:\*\*\*@127\.0\.0\.1/);
    expect(failure?.message).not.toContain(PASSWORD);
  });

  it('rejects an unusable URL in the configuration with exit code 2, password hidden', async () => {
    const failure = await startRegistryProcess({
      REGISTRY_DB: `postgresql://registry:${PASSWORD}@db.internal`,
      REGISTRY_ARTIFACT_ROOT: tempDir(),
    }).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure?.message).toMatch(/registry exited early \(code 2/);
    expect(failure?.message).toContain(
      'REGISTRY_DB="postgresql://registry:***@db.internal": not a usable PostgreSQL URL: it names no database',
    );
    expect(failure?.message).not.toContain(PASSWORD);
  });
});

describe('a PostgreSQL server that goes away', () => {
  const stops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const stop of stops) await stop();
  });

  it('turns /health and requests into 503 TEMPORARILY_UNAVAILABLE', async () => {
    const server = await startPostgres();
    stops.push(() => server.stop());
    const registry = await tempRegistry({ dbPath: await server.createDatabase() });
    stops.unshift(() => registry.close().catch(() => undefined));
    expect((await registry.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    await server.stop();
    const health = await registry.app.inject({ method: 'GET', url: '/health' });
    expect(errorOf(health)).toMatchObject({ status: 503, error_code: 'TEMPORARILY_UNAVAILABLE' });
    expect(errorOf(health).message).toMatch(/^The registry database \(REGISTRY_DB\) is unreachable: /);
    const request = await registry.call('GET', 'experiments/get', { experiment_id: '0' });
    expect(errorOf(request)).toMatchObject({ status: 503, error_code: 'TEMPORARILY_UNAVAILABLE' });
  });
});
