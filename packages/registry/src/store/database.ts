/**
 * Opens the registry's SQLite file and brings its schema up to date.
 *
 * Durability: WAL with synchronous=NORMAL. A write acknowledged to a client has
 * been committed to the WAL file through the OS, so it survives the registry
 * process being killed (SIGKILL, OOM); only a power loss or kernel crash can
 * drop the last transactions, never corrupt the file. FULL would add an fsync
 * per request, which the log-metric throughput target cannot afford on a
 * laptop disk.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { RegistryError } from '../errors.js';
import { MIGRATIONS, type Migration } from './migrations.js';
import { FALLBACK_AUTOCHECKPOINT_PAGES } from './wal-checkpointer.js';

export type { Database } from 'better-sqlite3';

/** Opens (creating if needed) the database at `path`, or in memory for `:memory:`, and migrates it. */
export function openDatabase(path: string, migrations: readonly Migration[] = MIGRATIONS): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new BetterSqlite3(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // Another process (a CLI reading the file) or the checkpoint worker may hold a lock briefly.
    db.pragma('busy_timeout = 5000');
    // Checkpoints normally run in a worker (wal-checkpointer.ts); this is the fallback.
    db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
    migrate(db, migrations);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** Applies every migration newer than the stored schema version, each in its own transaction. */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const row = db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as {
    version: number | null;
  };
  const current = row.version ?? 0;
  const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  if (current > latest) {
    throw new RegistryError(
      'INTERNAL_ERROR',
      `Registry database schema is version ${current}, newer than this server's ${latest}; upgrade the server`,
    );
  }
  const record = db.prepare(
    'INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)',
  );
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      const now = Date.now();
      migration.up(db, now);
      record.run(migration.version, migration.description, now);
    })();
  }
  return latest;
}
