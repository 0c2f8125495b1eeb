import { defineConfig } from 'vitest/config';

// The repo's own checks (docs/architecture.md, "Checked by tests"); `pnpm check:packages` runs them
// after the build.
export default defineConfig({
  test: {
    name: 'conventions',
    include: ['*.test.ts'],
    testTimeout: 60_000,
  },
});
