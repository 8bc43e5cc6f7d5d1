import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../src/store/migrations.js';
import { migrate, openDatabase } from '../src/store/database.js';
import { FALLBACK_AUTOCHECKPOINT_PAGES } from '../src/store/wal-checkpointer.js';
import type { SqliteExecutor } from '../src/store/sqlite-executor.js';
import { tempDir, tempRegistry } from './temp-registry.js';

describe('openDatabase', () => {
  it('creates the folder, uses WAL and applies every migration once', () => {
    const path = join(tempDir(), 'nested', 'registry.db');
    const db = openDatabase(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const versions = db.prepare('SELECT version FROM schema_migrations').pluck().all();
    expect(versions).toEqual(MIGRATIONS.map((m) => m.version));
    db.close();
    const again = openDatabase(path);
    expect(again.prepare('SELECT COUNT(*) FROM experiments WHERE experiment_id = 0').pluck().get()).toBe(1);
    expect(again.prepare('SELECT COUNT(*) FROM schema_migrations').pluck().get()).toBe(MIGRATIONS.length);
    again.close();
  });

  it('applies a new migration on the next start without touching data', () => {
    const path = join(tempDir(), 'registry.db');
    const db = openDatabase(path);
    db.prepare(
      "INSERT INTO experiments (name, artifact_location, creation_time, last_update_time) VALUES ('kept', 'x', 1, 1)",
    ).run();
    db.close();
    const next = [
      ...MIGRATIONS,
      {
        version: 99,
        description: 'test column',
        up: (d: typeof db) => d.exec('ALTER TABLE runs ADD COLUMN note TEXT'),
      },
    ];
    const upgraded = openDatabase(path, next);
    expect(upgraded.prepare("SELECT COUNT(*) FROM experiments WHERE name = 'kept'").pluck().get()).toBe(1);
    expect(upgraded.prepare('SELECT MAX(version) FROM schema_migrations').pluck().get()).toBe(99);
    upgraded.close();
  });

  it('refuses a database written by a newer server, naming both versions', () => {
    const path = join(tempDir(), 'registry.db');
    const db = openDatabase(path);
    db.prepare("INSERT INTO schema_migrations VALUES (500, 'future', 0)").run();
    expect(() => migrate(db)).toThrow(/version 500, newer than this server's 1/);
    db.close();
  });
});

describe('WAL checkpoints', () => {
  it('are done by the worker thread: the database file grows without the main connection checkpointing', async () => {
    const registry = await tempRegistry();
    try {
      const run = await registry.ok<{ run: { info: { run_id: string } } }>('POST', 'runs/create', {});
      const before = statSync(registry.dbPath).size;
      const metrics = Array.from({ length: 1000 }, (_, i) => ({
        key: `m${i % 50}`,
        value: i,
        timestamp: i,
        step: i,
      }));
      await registry.ok('POST', 'runs/log-batch', { run_id: run.run.info.run_id, metrics });
      // Far below the fallback threshold, so only the worker can have copied pages into the file.
      expect(
        (registry.app.registryDb as SqliteExecutor).connection.pragma('wal_autocheckpoint', { simple: true }),
      ).toBe(FALLBACK_AUTOCHECKPOINT_PAGES);
      await expect
        .poll(() => statSync(registry.dbPath).size, { timeout: 5000, interval: 100 })
        .toBeGreaterThan(before);
    } finally {
      await registry.close();
    }
  });
});
