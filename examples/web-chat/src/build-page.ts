import { fileURLToPath } from 'node:url';
import { build } from 'vite';

/** Where the built page lands (git-ignored like every `dist`). */
export const PAGE_DIST: string = fileURLToPath(new URL('../dist/page/', import.meta.url));

/**
 * Bundles `page/` (React + `useChat` + the transport from `@restate-agents/ai-sdk/client`) into
 * `dist/page/` with Vite. Built on every start (about two seconds) rather than cached, so the page never
 * lags behind a changed source; Vite compiles the TSX itself, no plugin needed.
 */
export async function buildPage(): Promise<string> {
  await build({
    root: fileURLToPath(new URL('../page/', import.meta.url)),
    configFile: false,
    logLevel: 'error',
    build: { outDir: PAGE_DIST, emptyOutDir: true },
  });
  return PAGE_DIST;
}
