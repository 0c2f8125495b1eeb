import { defineConfig } from 'vitest/config';

// The repo's own convention checks (CONVENTIONS §11); `pnpm check:packages` runs them after the build.
export default defineConfig({
  test: {
    name: 'conventions',
    include: ['*.test.ts'],
    testTimeout: 60_000,
  },
});
