import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Shared CI machines run at high load; generous limits, real hangs still fail.
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // e2e suites start anvil chains and nodes; keep them from starving each other on 2 cores.
    maxWorkers: 2,
  },
});
