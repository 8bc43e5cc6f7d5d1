import { defineConfig } from 'vitest/config';

/** Registry tests that are about SQLite itself (its file, WAL checkpointer, crash recovery) or touch no database. */
const REGISTRY_SQLITE_ONLY = [
  'packages/registry/test/database.test.ts',
  'packages/registry/test/crash-recovery.test.ts',
  'packages/registry/test/search-filter.test.ts',
];
/** Registry tests about PostgreSQL itself (migrations, replicas on one database, an unreachable server). */
const REGISTRY_POSTGRES_ONLY = 'packages/registry/test/postgres/**/*.test.ts';

export default defineConfig({
  test: {
    // The Temporal native core misbehaves under the threads pool; forks is safe for everything.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'default',
          include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['**/node_modules/**', REGISTRY_POSTGRES_ONLY],
        },
      },
      {
        // The registry's suite again with the PostgreSQL backend: one throw-away cluster for the
        // project, a fresh database per temp registry (packages/registry/test/temp-registry.ts).
        extends: true,
        test: {
          name: 'registry-postgres',
          include: ['packages/registry/test/**/*.test.ts'],
          exclude: ['**/node_modules/**', ...REGISTRY_SQLITE_ONLY],
          env: { MLOPS_REGISTRY_TEST_BACKEND: 'postgresql' },
          globalSetup: ['packages/registry/test/postgres-global-setup.ts'],
        },
      },
    ],
  },
});
