import { defineConfig } from 'vitest/config';

// For IDEs and watch mode: every package's own config (unit + integration projects) plus the repo's
// convention test. CI runs `pnpm test`, which goes through turbo per package.
export default defineConfig({
  test: {
    projects: ['packages/*', 'scripts'],
  },
});
