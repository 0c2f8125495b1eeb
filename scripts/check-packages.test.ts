/**
 * The conventions a package must follow (docs/architecture.md, "Conventions"), checked on every published
 * package, and what `pnpm pack` would ship. Run after `pnpm build`: the pack check reads `dist`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const packagesDir = join(root, 'packages');
/** Packages that are not adapters: they need no conformance driver of their own. */
const NOT_ADAPTERS = new Set(['core', 'testing']);
/** The one exception to "no adapter imports another": an SDK built on another SDK (docs/architecture.md). */
const BUILDS_ON: Readonly<Record<string, readonly string[]>> = { mastra: ['ai-sdk'] };

interface PackageJson {
  name: string;
  private?: boolean;
  type?: string;
  sideEffects?: boolean;
  engines?: { node?: string };
  exports?: Record<string, unknown>;
  files?: string[];
  main?: string;
  module?: string;
  typesVersions?: unknown;
  peerDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
  publishConfig?: { access?: string };
  repository?: { directory?: string };
}

const slugs = readdirSync(packagesDir, { withFileTypes: true })
  .filter(
    (entry) => entry.isDirectory() && existsSync(join(packagesDir, entry.name, 'package.json')),
  )
  .map((entry) => entry.name);

const readPackage = (slug: string): PackageJson =>
  JSON.parse(readFileSync(join(packagesDir, slug, 'package.json'), 'utf8')) as PackageJson;

describe.each(slugs)('packages/%s', (slug) => {
  const dir = join(packagesDir, slug);
  const pkg = readPackage(slug);

  it('has the files every package needs', () => {
    for (const file of ['README.md', 'src/index.ts', 'vitest.config.ts', 'tsconfig.json']) {
      expect(existsSync(join(dir, file)), `${slug} lacks ${file}`).toBe(true);
    }
  });

  it('is an ESM package with types, engines, a Restate peer and public access', () => {
    expect(pkg.name).toBe(`@restate-agents/${slug}`);
    expect(pkg.type).toBe('module');
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.engines?.node).toMatch(/^>=22/);
    const main = pkg.exports?.['.'] as Record<string, string> | undefined;
    expect(Object.keys(main ?? {})[0], 'the types condition comes first').toBe('types');
    expect(pkg.exports?.['./package.json']).toBe('./package.json');
    expect(pkg.main ?? pkg.module ?? pkg.typesVersions).toBeUndefined();
    expect(pkg.files).toContain('dist');
    expect(pkg.peerDependencies?.['@restatedev/restate-sdk']).toBeDefined();
    expect(
      pkg.dependencies?.['@restatedev/restate-sdk'],
      'the user’s copy, never a second one',
    ).toBeUndefined();
    expect(pkg.publishConfig?.access).toBe('public');
    expect(pkg.repository?.directory).toBe(`packages/${slug}`);
  });

  it('exports by name: no `export *` and no default export in src/index.ts', () => {
    const index = readFileSync(join(dir, 'src/index.ts'), 'utf8');
    expect(index).not.toMatch(/export \*/);
    expect(index).not.toMatch(/export default/);
  });

  it.runIf(!NOT_ADAPTERS.has(slug))('runs the conformance suite', () => {
    expect(existsSync(join(dir, 'test/conformance.test.ts'))).toBe(true);
    expect(existsSync(join(dir, 'test/driver.ts'))).toBe(true);
  });

  it('imports no other adapter (except the one its SDK is built on)', () => {
    const deps = { ...pkg.dependencies, ...pkg.peerDependencies };
    const adapters = Object.keys(deps).filter(
      (name) =>
        name.startsWith('@restate-agents/') &&
        !['core', 'testing', ...(BUILDS_ON[slug] ?? [])].includes(name.split('/')[1] ?? ''),
    );
    expect(adapters).toEqual([]);
  });

  it('packs dist with types and its own sources only, no tests', () => {
    const output = execFileSync('pnpm', ['pack', '--dry-run', '--json'], {
      cwd: dir,
      encoding: 'utf8',
    });
    const files = (JSON.parse(output) as { files: Array<{ path: string }> }).files.map(
      (file) => file.path,
    );
    expect(files).toContain('package.json');
    expect(files).toContain('README.md');
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    const unexpected = files.filter(
      (file) =>
        /\.test(-d)?\.ts$/.test(file) ||
        file.includes('__fixtures__') ||
        file.includes('__snapshots__') ||
        file.startsWith('test/') ||
        file.startsWith('node_modules/') ||
        !/^(dist\/|src\/|package\.json$|README\.md$|CHANGELOG\.md$|LICENSE)/.test(file),
    );
    expect(unexpected).toEqual([]);
  });
});

describe('the repository', () => {
  // Spelled in pieces so that this file does not match itself.
  const outside = [
    ['DESIGN', 'md'].join('.'),
    ['CONVEN', 'TIONS'].join(''),
    ['..', 'shared'].join('/'),
    ['shared', 'research'].join('/'),
    ['/work', 'shared'].join('/'),
    ['/work', 'notes'].join('/'),
  ];

  it('is self-contained: no tracked file refers to a document outside it', () => {
    const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
      .split('\0')
      .filter((file) => file !== '' && existsSync(join(root, file)));
    const found: string[] = [];
    for (const file of tracked) {
      const text = readFileSync(join(root, file), 'utf8');
      if (text.includes('\0')) continue;
      text.split('\n').forEach((line, index) => {
        const hit = outside.find((reference) => line.includes(reference));
        if (hit) found.push(`${file}:${index + 1}: ${hit}`);
      });
    }
    expect(found, 'cite docs/architecture.md, docs/concepts.md or docs/testing.md instead').toEqual(
      [],
    );
  });
});
