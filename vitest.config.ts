import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // The Temporal native core misbehaves under the threads pool; forks is safe for everything.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
