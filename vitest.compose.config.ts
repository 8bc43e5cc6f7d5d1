import { defineConfig } from 'vitest/config';

/** The Compose end-to-end test (`pnpm test:compose`): one file, run alone after the other tests. */
export default defineConfig({
  test: {
    include: ['test/docker/compose.e2e.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 15 * 60_000,
    hookTimeout: 45 * 60_000,
  },
});
