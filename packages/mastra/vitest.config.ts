import { defineConfig } from 'vitest/config';

// Two projects split by cost (docs/architecture.md): `unit` needs no server; `integration` runs against a real
// restate-server started by @restate-agents/testing, one file at a time on a 2-core machine.
export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['src/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
          // One worker for every file in turn, its modules kept: the SDKs are imported once per run rather
          // than once per file (a second or more each on a busy machine). Every file starts its own servers.
          isolate: false,
        },
      },
    ],
  },
});
