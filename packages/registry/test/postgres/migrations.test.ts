/**
 * The PostgreSQL schema: the same versioned migrations as SQLite (versions,
 * descriptions, tables and columns), applied once even when several replicas
 * start together, and upgraded in place.
 */
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { openPostgres } from '../../src/store/postgres-database.js';
import { POSTGRES_MIGRATIONS } from '../../src/store/postgres-migrations.js';
import { createTestDatabase, dropTestDatabase } from '../postgres-databases.js';

let url: string;
beforeEach(async () => {
  url = await createTestDatabase();
});
afterEach(async () => {
  await dropTestDatabase(url);
});

async function query<R>(sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as R[];
  } finally {
    await client.end();
  }
}

describe('PostgreSQL migrations', () => {
  it('mirror the SQLite migrations: same versions, descriptions, tables and columns', async () => {
    expect(POSTGRES_MIGRATIONS.map((m) => [m.version, m.description])).toEqual(
      MIGRATIONS.map((m) => [m.version, m.description]),
    );
    const executor = await openPostgres(url);
    await executor.close();
    const sqlite = openDatabase(':memory:');
    const sqliteColumns = (
      sqlite
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .pluck()
        .all() as string[]
    )
      .flatMap((table) =>
        (sqlite.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]).map(
          (column) => `${table}.${column}`,
        ),
      )
      .sort();
    sqlite.close();
    const postgresColumns = (
      await query<{ column: string }>(
        `SELECT table_name || '.' || column_name AS column FROM information_schema.columns
         WHERE table_schema = 'public'`,
      )
    )
      .map((r) => r.column)
      // The one addition: PostgreSQL has no rowid, so metrics keep their insertion order in seq.
      .filter((c) => c !== 'metrics.seq')
      .sort();
    expect(postgresColumns).toEqual(sqliteColumns);
  });

  it('run once when several replicas start at the same moment', async () => {
    const executors = await Promise.all(Array.from({ length: 5 }, () => openPostgres(url, { poolSize: 2 })));
    await Promise.all(executors.map((e) => e.close()));
    const applied = await query<{ version: number }>(
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    expect(applied.map((r) => r.version)).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
    expect(await query('SELECT experiment_id FROM experiments')).toEqual([{ experiment_id: '0' }]);
  });

  it('apply a new migration on the next start without touching data', async () => {
    const first = await openPostgres(url);
    await first.execute(
      "INSERT INTO experiments (name, artifact_location, creation_time, last_update_time) VALUES ('kept', 'x', 1, 1)",
    );
    await first.close();
    const next = [
      ...POSTGRES_MIGRATIONS,
      { version: 99, description: 'test column', script: 'ALTER TABLE runs ADD COLUMN note text' },
    ];
    const upgraded = await openPostgres(url, { migrations: next });
    await upgraded.close();
    expect(await query("SELECT COUNT(*)::int AS n FROM experiments WHERE name = 'kept'")).toEqual([{ n: 1 }]);
    expect(await query('SELECT MAX(version) AS v FROM schema_migrations')).toEqual([{ v: 99 }]);
    expect(await query("SELECT 1 FROM information_schema.columns WHERE column_name = 'note'")).toHaveLength(
      1,
    );
  });

  it('refuse a database written by a newer server, naming both versions', async () => {
    const first = await openPostgres(url);
    await first.execute("INSERT INTO schema_migrations VALUES (500, 'future', 0)");
    await first.close();
    await expect(openPostgres(url)).rejects.toThrow(/version 500, newer than this server's 1/);
  });

  it('roll a failed migration back whole and name it', async () => {
    const broken = [
      ...POSTGRES_MIGRATIONS,
      { version: 2, description: 'broken', script: 'CREATE TABLE half (x int); SELECT * FROM missing_table' },
    ];
    await expect(openPostgres(url, { migrations: broken })).rejects.toThrow(
      /migration 2 \(broken\) failed: relation "missing_table" does not exist/,
    );
    expect(await query("SELECT 1 FROM information_schema.tables WHERE table_name = 'half'")).toHaveLength(0);
    expect(await query('SELECT MAX(version) AS v FROM schema_migrations')).toEqual([{ v: 1 }]);
  });
});
