import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // e2e suites start anvil chains and nodes; keep them from starving each other on 2 cores.
    maxWorkers: 2,
  },
});
