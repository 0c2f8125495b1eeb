import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newAdapter } from './new-adapter.ts';

let root: string | undefined;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('pnpm new:adapter', () => {
  it('scaffolds a package that follows the conventions, its doc page and a changeset', async () => {
    root = await mkdtemp(join(tmpdir(), 'new-adapter-'));
    const files = await newAdapter({ slug: 'mastra', sdk: '@mastra/core', root });
    expect(files).toEqual([
      '.changeset/mastra-adapter.md',
      'docs/adapters/mastra.md',
      'packages/mastra/README.md',
      'packages/mastra/package.json',
      'packages/mastra/src/index.ts',
      'packages/mastra/src/step-names.ts',
      'packages/mastra/test/conformance-service.ts',
      'packages/mastra/test/conformance.test.ts',
      'packages/mastra/test/driver.ts',
      'packages/mastra/tsconfig.json',
      'packages/mastra/vitest.config.ts',
    ]);
    const pkg = JSON.parse(readFileSync(join(root, 'packages/mastra/package.json'), 'utf8'));
    expect(pkg.name).toBe('@restate-agents/mastra');
    expect(pkg.peerDependencies).toHaveProperty('@mastra/core');
    expect(pkg.peerDependencies).toHaveProperty('@restatedev/restate-sdk');
    expect(pkg.repository.directory).toBe('packages/mastra');
    for (const file of files) {
      expect(readFileSync(join(root, file), 'utf8'), file).not.toMatch(/__SLUG__|__SDK__/);
    }
  });

  it('refuses a bad slug and never overwrites', async () => {
    root = await mkdtemp(join(tmpdir(), 'new-adapter-'));
    await expect(newAdapter({ slug: 'Bad Slug', sdk: 'x', root })).rejects.toThrow(/kebab-case/);
    await newAdapter({ slug: 'once', sdk: 'x', root });
    await expect(newAdapter({ slug: 'once', sdk: 'x', root })).rejects.toThrow(/exists already/);
    expect(existsSync(join(root, 'packages/once/package.json'))).toBe(true);
  });
});
