import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRODUCTION_LOG_COLUMNS, PRODUCTION_LOG_TABLE, type Listing } from '@mlops/core/listing';
import type { ServedPrediction } from '../src/production-log.js';
import { openProductionLog } from '../src/production-log-open.js';
import { PostgresLogStore, PRODUCTION_LOG_WRITERS_TABLE } from '../src/production-log-postgres.js';
import { productionLogRow } from '../src/production-log-row.js';
import { startPostgres, type PostgresServer } from '../../../test/support/postgres-server.js';
import { freePort } from '../../../test/support/free-port.js';

const listing: Listing = {
  GrossSquareMeters: 100.25,
  NetSquareMeters: 80,
  BuildingAge: 10,
  NumberOfRooms: 3,
  district: 'kadıköy',
  HeatingType: 'Kombi "Doğalgaz"',
  StructureType: 'concrete',
  FloorLocation: 'middle',
  address: '123 Main St',
  AdCreationDate: '2024-01-01',
  Subscription: 'premium',
};

function served(i: number, prefix = 'street'): ServedPrediction {
  return {
    ts: 1_700_000_000_000 + i,
    predictionId: `${prefix}-${i}`,
    modelName: 'HousingPriceClassifier',
    modelVersion: '3',
    modelAlias: 'production',
    listing: { ...listing, address: `${prefix} ${i}`, GrossSquareMeters: 50 + i / 8 },
    prediction: i % 2 === 0 ? 'low' : 'high',
    probabilities: { low: 0.5, medium: 0.125, high: 0.375 },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ProductionLog on PostgreSQL (PRODUCTION_LOG_URL)', () => {
  let server: PostgresServer;
  let admin: pg.Client;
  let dir: string;

  beforeAll(async () => {
    server = await startPostgres();
    admin = new pg.Client({ connectionString: server.adminUrl });
    await admin.connect();
    dir = mkdtempSync(join(tmpdir(), 'pg-log-'));
  });
  afterAll(async () => {
    await admin?.end();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function rowsOf(url: string): Promise<Record<string, unknown>[]> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(`SELECT * FROM ${PRODUCTION_LOG_TABLE} ORDER BY id`)).rows;
    } finally {
      await client.end();
    }
  }

  it('writes every column as the SQLite log does, and shows the backend and the URL in stats', async () => {
    const url = await server.createDatabase();
    const pgLog = await openProductionLog({ dataDir: dir, url, flushIntervalMs: 5 });
    const sqliteLog = await openProductionLog({ dataDir: dir, flushIntervalMs: 5 });
    for (let i = 0; i < 3; i++) {
      pgLog.append(served(i));
      sqliteLog.append(served(i));
    }
    await Promise.all([pgLog.flush(), sqliteLog.flush()]);
    expect(pgLog.stats()).toMatchObject({ backend: 'postgresql', url, path: null, committed: 3, queued: 0 });
    expect(sqliteLog.stats()).toMatchObject({ backend: 'sqlite', url: null, committed: 3 });
    await Promise.all([pgLog.close(), sqliteLog.close()]);

    const fromPg = await rowsOf(url);
    const db = new Database(join(dir, 'production', 'predictions.db'), { readonly: true });
    const fromSqlite = db.prepare(`SELECT * FROM ${PRODUCTION_LOG_TABLE} ORDER BY id`).all() as Record<
      string,
      unknown
    >[];
    db.close();
    expect(fromPg).toHaveLength(3);
    // BIGINT comes back from pg as text; every other value is identical.
    const normalised = fromPg.map((row) => ({ ...row, id: Number(row.id), ts: Number(row.ts) }));
    expect(normalised).toEqual(fromSqlite);
    expect(Object.keys(fromPg[0]!)).toEqual(['id', ...PRODUCTION_LOG_COLUMNS]);
  });

  it('resolves a durable append only once the row is visible to another connection', async () => {
    const url = await server.createDatabase();
    const log = await openProductionLog({ dataDir: dir, url, flushIntervalMs: 10_000 });
    const seqs = await Promise.all([log.appendDurable(served(1)), log.appendDurable(served(2))]);
    expect(seqs).toEqual([1, 2]);
    expect((await rowsOf(url)).map((r) => r.address)).toEqual(['street 1', 'street 2']);
    expect(log.stats()).toMatchObject({ durableSeq: 2, batches: 1 });
    await log.close();
  });

  it('creates the table once when several replicas start at the same moment', async () => {
    const url = await server.createDatabase();
    const logs = await Promise.all(
      Array.from({ length: 6 }, () => openProductionLog({ dataDir: dir, url, flushIntervalMs: 1 })),
    );
    logs.forEach((log, i) => log.append(served(i)));
    await Promise.all(logs.map((log) => log.close()));
    expect(await rowsOf(url)).toHaveLength(6);
  });

  it('names PRODUCTION_LOG_URL, never the password, when the URL is bad or the server unreachable', async () => {
    await expect(
      openProductionLog({ dataDir: dir, url: 'mysql://app:hunter2@db:3306/logs' }),
    ).rejects.toThrow(/^PRODUCTION_LOG_URL=mysql:\/\/app:\*\*\*@db:3306\/logs is not a PostgreSQL URL/);
    const port = await freePort();
    const attempt = openProductionLog({
      dataDir: dir,
      url: `postgresql://app:hunter2@127.0.0.1:${port}/logs`,
    });
    await expect(attempt).rejects.toThrow(
      new RegExp(
        `^cannot open the production log at PRODUCTION_LOG_URL=postgresql://app:\\*\\*\\*@127\\.0\\.0\\.1:${port}/logs: .*ECONNREFUSED`,
      ),
    );
    await expect(attempt).rejects.not.toThrow(/hunter2/);
    const missingDb = new URL(server.adminUrl);
    missingDb.pathname = '/no_such_database';
    await expect(openProductionLog({ dataDir: dir, url: missingDb.toString() })).rejects.toThrow(
      /PRODUCTION_LOG_URL=.*no_such_database: database "no_such_database" does not exist/,
    );
  });

  it('keeps rows queued while the database refuses connections and commits each exactly once when it is back', async () => {
    const url = await server.createDatabase();
    const name = new URL(url).pathname.slice(1);
    const log = await openProductionLog({
      dataDir: dir,
      url,
      flushIntervalMs: 5,
      retryDelayMs: 20,
      maxRetryDelayMs: 100,
    });
    for (let i = 0; i < 50; i++) log.append(served(i, 'before'));
    await log.flush();
    // The outage: no new connections, and the open ones are cut (as on a server restart).
    await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [name]);
    const durable = log.appendDurable(served(0, 'during'));
    for (let i = 1; i < 200; i++) log.append(served(i, 'during'));
    let settled = false;
    void durable.then(() => (settled = true));
    const deadline = Date.now() + 5000;
    while (log.stats().failedFlushes < 3 && Date.now() < deadline) await sleep(20);
    const down = log.stats();
    expect(down.failedFlushes).toBeGreaterThanOrEqual(3);
    expect(down).toMatchObject({ queued: 200, committed: 50, durableSeq: 50, dropped: 0 });
    expect(down.lastError).toMatch(/not currently accepting connections|terminat/);
    expect(settled).toBe(false);

    await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
    expect(await durable).toBe(51);
    await log.flush();
    expect(log.stats()).toMatchObject({ committed: 250, queued: 0, durableSeq: 250 });
    await log.close();
    const addresses = (await rowsOf(url)).map((r) => r.address as string);
    expect(addresses).toHaveLength(250);
    expect(new Set(addresses).size).toBe(250);
  });

  it('survives its connection being cut in the middle of a commit, and commits the batch once on retry', async () => {
    const url = await server.createDatabase();
    const name = new URL(url).pathname.slice(1);
    const log = await openProductionLog({ dataDir: dir, url, flushIntervalMs: 1, retryDelayMs: 20 });
    // Hold this writer's mark so its next commit waits inside its transaction.
    const blocker = new pg.Client({ connectionString: url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query(`SELECT * FROM ${PRODUCTION_LOG_WRITERS_TABLE} FOR UPDATE`);
    const durable = log.appendDurable(served(1, 'cut'));
    const waiting = async () =>
      (
        await admin.query(
          `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'mlops-api production log' AND wait_event_type = 'Lock'`,
          [name],
        )
      ).rows as { pid: number }[];
    const deadline = Date.now() + 5000;
    let inCommit = await waiting();
    while (inCommit.length === 0 && Date.now() < deadline) {
      await sleep(10);
      inCommit = await waiting();
    }
    expect(inCommit).toHaveLength(1);
    await admin.query('SELECT pg_terminate_backend($1)', [inCommit[0]!.pid]);
    while (log.stats().failedFlushes === 0 && Date.now() < deadline) await sleep(10);
    expect(log.stats()).toMatchObject({ failedFlushes: 1, queued: 1, committed: 0 });
    await blocker.query('COMMIT');
    await blocker.end();
    expect(await durable).toBe(1);
    await log.close();
    expect((await rowsOf(url)).map((r) => r.address)).toEqual(['cut 1']);
  });

  it('skips the rows a retried batch already committed (a commit whose answer was lost)', async () => {
    const url = await server.createDatabase();
    const store = await PostgresLogStore.open({ url });
    const rows = [1, 2, 3, 4, 5].map((i) => productionLogRow(served(i)));
    await store.commit(rows.slice(0, 3), [1, 2, 3]);
    // The same batch again, grown by two rows queued meanwhile: only those two are new.
    await store.commit(rows, [1, 2, 3, 4, 5]);
    expect((await rowsOf(url)).map((r) => r.address)).toEqual([1, 2, 3, 4, 5].map((i) => `street ${i}`));
    await store.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    // A clean close leaves no writer row behind.
    expect((await client.query(`SELECT * FROM ${PRODUCTION_LOG_WRITERS_TABLE}`)).rows).toEqual([]);
    await client.end();
  });
});

describe('productionLogRow', () => {
  it('gives every PRODUCTION_LOG_COLUMNS column a value, looked up by name', () => {
    const row = productionLogRow(served(7));
    expect(row).toHaveLength(PRODUCTION_LOG_COLUMNS.length);
    const byName = Object.fromEntries(PRODUCTION_LOG_COLUMNS.map((c, i) => [c, row[i]]));
    expect(byName).toMatchObject({
      ts: 1_700_000_000_007,
      model_name: 'HousingPriceClassifier',
      model_version: '3',
      model_alias: 'production',
      GrossSquareMeters: 50 + 7 / 8,
      address: 'street 7',
      prediction: 'high',
      p_low: 0.5,
      p_medium: 0.125,
      p_high: 0.375,
    });
  });
});
