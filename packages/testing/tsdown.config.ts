import { defineConfig } from 'tsdown';
import { preset } from '../../tsdown.config.ts';

// Extra entries: the vitest helpers (optional peer), the crash-point hook services import, and the
// preload service processes start with (nothing imports it, so it needs its own entry).
export default defineConfig({
  ...preset,
  entry: ['src/index.ts', 'src/vitest.ts', 'src/crash-point.ts', 'src/service-process-preload.ts'],
});
