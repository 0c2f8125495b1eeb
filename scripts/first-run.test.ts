/**
 * A fresh clone's first commands: `pnpm install` and every runnable entry (the demo, the examples' start and
 * demo scripts) check the Node.js version before anything else and build the workspace packages they load
 * through turbo; the scripts that do it work.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const { isRecentEnough } = require('./check-node.cjs') as {
  isRecentEnough: (version: string) => boolean;
};

const scriptsOf = (dir: string): Record<string, string> =>
  (
    JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as {
      scripts?: Record<string, string>;
    }
  ).scripts ?? {};

const examples = readdirSync(join(root, 'examples'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => `examples/${entry.name}`);

describe('the Node.js version check', () => {
  it('accepts 22.18 and later, refuses what cannot run TypeScript files', () => {
    for (const version of ['22.18.0', '22.20.1', '23.0.0', '24.21.0', '26.1.0']) {
      expect(isRecentEnough(version), version).toBe(true);
    }
    for (const version of ['22.17.9', '22.6.0', '20.20.2', '18.20.8', '16.0.0']) {
      expect(isRecentEnough(version), version).toBe(false);
    }
  });

  it('runs before `pnpm install` installs anything of the repo', () => {
    expect(scriptsOf('.').preinstall).toBe('node scripts/check-node.cjs');
  });

  it('runs before the demo and every example loads a .ts file', () => {
    for (const dir of examples) {
      for (const [name, script] of Object.entries(scriptsOf(dir))) {
        if (name !== 'start' && name !== 'demo') continue;
        expect(script, `${dir} ${name}`).toMatch(
          /^node \.\.\/\.\.\/scripts\/(check-node\.cjs|build-workspace-deps\.mjs) && node /,
        );
      }
    }
  });

  it('is plain CommonJS that an old Node.js parses (no type stripping, no import syntax)', () => {
    const source = readFileSync(join(root, 'scripts/check-node.cjs'), 'utf8');
    expect(source).not.toMatch(/^\s*(import|export)\s/m);
    expect(source).not.toMatch(/\?\?|\?\./);
    execFileSync(process.execPath, ['--check', join(root, 'scripts/check-node.cjs')]);
  });
});

describe('scripts/build-workspace-deps.mjs', () => {
  it('builds (or finds cached) what an example loads, quietly, and exits 0', () => {
    const run = spawnSync(
      process.execPath,
      [join(root, 'scripts/build-workspace-deps.mjs'), join(root, 'examples/demo')],
      { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).not.toMatch(/failed/i);
  });

  it('names a directory without a package.json', () => {
    const run = spawnSync(
      process.execPath,
      [join(root, 'scripts/build-workspace-deps.mjs'), join(root, 'docs')],
      { encoding: 'utf8' },
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`no package.json in ${join(root, 'docs')}`);
  });

  it('runs before the demo loads @restate-agents/testing', () => {
    const main = readFileSync(join(root, 'examples/demo/src/main.ts'), 'utf8');
    expect(main).toContain('build-workspace-deps.mjs');
    expect(main).not.toMatch(/^import .*run-demo/m);
  });
});
