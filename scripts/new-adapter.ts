/**
 * `pnpm new:adapter <slug> --sdk <npm-name>`: scaffolds packages/<slug> from templates/adapter — package.json
 * with the SDK as a peer, tsconfig, vitest projects, README, step names, the conformance driver and service
 * skeleton — plus docs/adapters/<slug>.md and a changeset. Non-interactive; refuses to overwrite.
 * Then follow docs/adding-an-adapter.md.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export interface NewAdapterOptions {
  slug: string;
  sdk: string;
  /** Where the repo is; default this one (tests scaffold into a temp copy). */
  root?: string;
}

async function* templateFiles(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* templateFiles(path);
    else if (entry.name.endsWith('.tpl')) yield path;
  }
}

/** Scaffolds the adapter; returns the files written, relative to the root. */
export async function newAdapter({
  slug,
  sdk,
  root = repoRoot,
}: NewAdapterOptions): Promise<string[]> {
  if (!/^[a-z][a-z0-9-]*$/.test(slug)) {
    throw new Error(`The slug must be kebab-case (the SDK's usual short name), got "${slug}"`);
  }
  if (!/^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/.test(sdk)) {
    throw new Error(`--sdk must be an npm package name, got "${sdk}"`);
  }
  const packageDir = join(root, 'packages', slug);
  if (existsSync(packageDir))
    throw new Error(`packages/${slug} exists already; nothing was written`);
  const templates = join(repoRoot, 'templates', 'adapter');
  const fill = (text: string) => text.replaceAll('__SLUG__', slug).replaceAll('__SDK__', sdk);
  const targets: Record<string, string> = {
    'adapter-doc.md': join(root, 'docs', 'adapters', `${slug}.md`),
    'changeset.md': join(root, '.changeset', `${slug}-adapter.md`),
  };
  const written: string[] = [];
  for await (const template of templateFiles(templates)) {
    const name = relative(templates, template).replace(/\.tpl$/, '');
    const target = targets[name] ?? join(packageDir, name);
    if (existsSync(target)) throw new Error(`${relative(root, target)} exists already`);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, fill(await readFile(template, 'utf8')));
    written.push(relative(root, target));
  }
  return written.sort();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { sdk: { type: 'string' } },
  });
  const [slug] = positionals;
  if (!slug || !values.sdk) {
    process.stderr.write('usage: pnpm new:adapter <slug> --sdk <npm-package-name>\n');
    process.exit(2);
  }
  try {
    const files = await newAdapter({ slug, sdk: values.sdk });
    process.stdout.write(`Created:\n${files.map((file) => `  ${file}`).join('\n')}\n\n`);
    process.stdout.write(
      `Next: add ${values.sdk} to the pnpm catalog (pnpm-workspace.yaml) and set its peer range, run ` +
        '`pnpm install` (if it stops with ERR_PNPM_IGNORED_BUILDS, list those packages under `allowBuilds:` in ' +
        'pnpm-workspace.yaml), then follow docs/adding-an-adapter.md.\n',
    );
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
