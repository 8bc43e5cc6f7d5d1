import { defineConfig } from 'vitest/config';

/** The Compose end-to-end tests (`pnpm test:compose`): the default stack, then the scale stack, one at a time, after the other tests. */
export default defineConfig({
  test: {
    include: ['test/docker/compose.e2e.ts', 'test/docker/compose-scale.e2e.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 15 * 60_000,
    hookTimeout: 45 * 60_000,
  },
});
