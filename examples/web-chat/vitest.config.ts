import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    // The stream log runs in the test process: keep Restate's per-invocation INFO lines out of the output.
    env: { RESTATE_LOGGING: 'WARN' },
  },
});
