/**
 * Versioned schema migrations, applied in order on start. A migration is never
 * edited once released: change the schema by appending a new one.
 */
import type { Database } from 'better-sqlite3';

export interface Migration {
  /** Strictly increasing, starting at 1. */
  version: number;
  description: string;
  up(db: Database, now: number): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'experiments, runs, metrics, params, tags, model registry',
    up(db, now) {
      db.exec(`
        CREATE TABLE experiments (
          experiment_id INTEGER PRIMARY KEY,
          name TEXT NOT NULL UNIQUE,
          artifact_location TEXT NOT NULL,
          lifecycle_stage TEXT NOT NULL DEFAULT 'active',
          creation_time INTEGER NOT NULL,
          last_update_time INTEGER NOT NULL
        );
        CREATE TABLE experiment_tags (
          experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id) ON DELETE CASCADE,
          key TEXT NOT NULL,
          value TEXT NOT NULL,
          PRIMARY KEY (experiment_id, key)
        ) WITHOUT ROWID;

        CREATE TABLE runs (
          run_id TEXT PRIMARY KEY,
          experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id),
          name TEXT NOT NULL,
          user_id TEXT NOT NULL DEFAULT '',
          status TEXT NOT NULL,
          start_time INTEGER,
          end_time INTEGER,
          lifecycle_stage TEXT NOT NULL DEFAULT 'active',
          artifact_uri TEXT NOT NULL,
          deleted_time INTEGER
        );
        CREATE INDEX runs_by_experiment ON runs (experiment_id, start_time DESC, run_id);

        CREATE TABLE params (
          run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
          key TEXT NOT NULL,
          value TEXT NOT NULL,
          PRIMARY KEY (run_id, key)
        ) WITHOUT ROWID;
        CREATE INDEX params_by_key ON params (key, value);

        CREATE TABLE tags (
          run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
          key TEXT NOT NULL,
          value TEXT NOT NULL,
          PRIMARY KEY (run_id, key)
        ) WITHOUT ROWID;
        CREATE INDEX tags_by_key ON tags (key, value);

        -- Append-only history. No foreign key: the run is checked once per request,
        -- and an FK check per inserted row would cost on the hottest path.
        -- SQLite stores NaN as NULL, so is_nan keeps it apart from "no value".
        CREATE TABLE metrics (
          run_id TEXT NOT NULL,
          key TEXT NOT NULL,
          value REAL,
          is_nan INTEGER NOT NULL DEFAULT 0,
          timestamp INTEGER NOT NULL,
          step INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX metrics_by_run_key ON metrics (run_id, key, step, timestamp);

        -- The latest value per (run, key): highest step, then timestamp, then value.
        -- Search filters and ordering read this table only.
        CREATE TABLE latest_metrics (
          run_id TEXT NOT NULL,
          key TEXT NOT NULL,
          value REAL,
          is_nan INTEGER NOT NULL DEFAULT 0,
          timestamp INTEGER NOT NULL,
          step INTEGER NOT NULL,
          PRIMARY KEY (run_id, key)
        ) WITHOUT ROWID;
        CREATE INDEX latest_metrics_by_key ON latest_metrics (key, value);

        CREATE TABLE registered_models (
          name TEXT PRIMARY KEY,
          creation_timestamp INTEGER NOT NULL,
          last_updated_timestamp INTEGER NOT NULL,
          description TEXT,
          -- versions are never reused, even after a delete
          next_version INTEGER NOT NULL DEFAULT 1
        );
        CREATE TABLE registered_model_tags (
          name TEXT NOT NULL REFERENCES registered_models(name) ON DELETE CASCADE ON UPDATE CASCADE,
          key TEXT NOT NULL,
          value TEXT NOT NULL,
          PRIMARY KEY (name, key)
        ) WITHOUT ROWID;
        CREATE TABLE model_versions (
          name TEXT NOT NULL REFERENCES registered_models(name) ON DELETE CASCADE ON UPDATE CASCADE,
          version INTEGER NOT NULL,
          creation_timestamp INTEGER NOT NULL,
          last_updated_timestamp INTEGER NOT NULL,
          description TEXT,
          user_id TEXT,
          current_stage TEXT NOT NULL DEFAULT 'None',
          source TEXT NOT NULL,
          run_id TEXT,
          run_link TEXT,
          status TEXT NOT NULL DEFAULT 'READY',
          PRIMARY KEY (name, version)
        );
        CREATE INDEX model_versions_by_run ON model_versions (run_id);
        CREATE TABLE model_version_tags (
          name TEXT NOT NULL,
          version INTEGER NOT NULL,
          key TEXT NOT NULL,
          value TEXT NOT NULL,
          PRIMARY KEY (name, version, key),
          FOREIGN KEY (name, version) REFERENCES model_versions(name, version) ON DELETE CASCADE ON UPDATE CASCADE
        ) WITHOUT ROWID;
        CREATE TABLE registered_model_aliases (
          name TEXT NOT NULL,
          alias TEXT NOT NULL,
          version INTEGER NOT NULL,
          PRIMARY KEY (name, alias),
          FOREIGN KEY (name, version) REFERENCES model_versions(name, version) ON DELETE CASCADE ON UPDATE CASCADE
        ) WITHOUT ROWID;
      `);
      db.prepare(
        `INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
         VALUES (0, 'Default', 'mlflow-artifacts:/0', 'active', ?, ?)`,
      ).run(now, now);
    },
  },
];
