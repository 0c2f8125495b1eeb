import { defineConfig } from 'vitest/config';

// Every bench test starts a real restate-server and service processes: one file at a time on a 2-core
// machine, with timeouts that fit a chaos run of 20+ kills per adapter.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
