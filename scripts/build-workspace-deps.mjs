// `node scripts/build-workspace-deps.mjs [package dir…]` (default: the current directory): builds the workspace
// packages the given ones depend on, through turbo, so the demo and the examples run on a fresh clone with
// nothing built (they load their dependencies' `dist`). Turbo's cache makes every later run a no-op of well
// under a second. Silent unless a package really gets built or the build fails, so the demo keeps its output.
// Plain JavaScript: it checks the Node.js version before anything else needs a recent one.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
require('./check-node.cjs').checkNode();

const root = fileURLToPath(new URL('..', import.meta.url));
const dirs = process.argv.length > 2 ? process.argv.slice(2) : [process.cwd()];
const names = dirs.map((dir) => {
  const manifest = join(resolve(dir), 'package.json');
  if (!existsSync(manifest)) {
    process.stderr.write(`build-workspace-deps: no package.json in ${resolve(dir)}\n`);
    process.exit(2);
  }
  return JSON.parse(readFileSync(manifest, 'utf8')).name;
});

const turbo = join(
  root,
  'node_modules',
  '.bin',
  process.platform === 'win32' ? 'turbo.cmd' : 'turbo',
);
if (!existsSync(turbo)) {
  process.stderr.write(`turbo is not installed in ${root}: run \`pnpm install\` first.\n`);
  process.exit(1);
}

const args = [
  'run',
  'build',
  ...names.map((name) => `--filter=${name}...`),
  // Cached tasks print one "cache hit" line each (kept quiet below); a task that really runs prints
  // "cache miss" and then its logs, which are shown only if the build fails.
  '--output-logs=new-only',
  '--ui=stream',
  '--log-prefix=task',
];
const child = spawn(turbo, args, {
  cwd: root,
  env: { TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1', ...process.env },
  stdio: ['ignore', 'pipe', 'pipe'],
  shell: process.platform === 'win32',
});
const output = [];
const announced = new Set();
const onOutput = (chunk) => {
  output.push(chunk);
  for (const [, pkg] of chunk.toString('utf8').matchAll(/^(\S+):build: cache miss/gm)) {
    if (announced.has(pkg)) continue;
    announced.add(pkg);
    process.stderr.write(`Building ${pkg} (first run only; turbo caches it)…\n`);
  }
};
child.stdout.on('data', onOutput);
child.stderr.on('data', onOutput);
child.on('error', (error) => {
  process.stderr.write(`Could not run turbo (${turbo}): ${error.message}\n`);
  process.exitCode = 1;
});
child.on('close', (code) => {
  if (code === 0) return;
  process.stderr.write(Buffer.concat(output).toString('utf8'));
  process.stderr.write(
    `\nBuilding the workspace packages failed (turbo exit ${code}); see above, or run \`pnpm build\`.\n`,
  );
  process.exitCode = code || 1;
});
