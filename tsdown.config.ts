import { defineConfig, type UserConfig } from 'tsdown';

/**
 * The one build preset every published package uses (docs/architecture.md, "Build"): ESM only,
 * unbundled output that mirrors `src/` (readable stack traces when debugging a replay), declarations with
 * maps, and publint + attw run inside the build so a wrong exports map fails `pnpm build`.
 */
export const preset: UserConfig = {
  entry: ['src/index.ts'],
  format: 'esm',
  platform: 'node',
  target: 'node22',
  unbundle: true,
  dts: { sourcemap: true },
  sourcemap: true,
  clean: true,
  fixedExtension: false,
  exports: false,
  publint: { level: 'warning', strict: true },
  attw: { profile: 'esm-only', level: 'error' },
};

export default defineConfig(preset);
