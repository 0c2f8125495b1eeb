/**
 * `@restate-agents/ai-sdk/client` runs in the browser: the built entry and everything it imports must not
 * pull in the Restate SDK, core (which depends on it) or Node built-ins. Reads the built `dist` (the test task
 * builds first), following every import from the entry.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../dist/client/index.js', import.meta.url));

/** Every module reachable from `file` by relative imports, and every non-relative specifier they import. */
function importGraph(file: string): { files: string[]; bare: string[] } {
  const files = new Set<string>();
  const bare = new Set<string>();
  const visit = (path: string): void => {
    if (files.has(path)) return;
    files.add(path);
    const source = readFileSync(path, 'utf8');
    const specifiers = [
      ...source.matchAll(/\b(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]/g),
      ...source.matchAll(/\bimport\s*\(?\s*['"]([^'"]+)['"]/g),
    ].map((match) => match[1] as string);
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) visit(resolve(dirname(path), specifier));
      else bare.add(specifier);
    }
  };
  visit(file);
  return { files: [...files], bare: [...bare] };
}

it('the client entry imports nothing server-side (no @restatedev/*, no core, no node:)', () => {
  expect(
    existsSync(entry),
    'build the package first (pnpm --filter @restate-agents/ai-sdk build)',
  ).toBe(true);
  const { files, bare } = importGraph(entry);
  expect(files.length).toBeGreaterThan(1);
  expect(
    bare.filter((specifier) => /^@restatedev\/|^@restate-agents\/|^node:/.test(specifier)),
  ).toEqual([]);
  // It needs nothing at runtime at all (the AI SDK's types only).
  expect(bare).toEqual([]);
});
