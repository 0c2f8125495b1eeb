/**
 * `pnpm bench:load`: N concurrent agents per adapter, durable vs the same agents with no Restate, plus N
 * agents waiting on an approval. Prints markdown, writes results/load-latest.json and results/load-latest.md.
 *
 *   node src/load.ts                                     N = 10,100,1000, every adapter, 300 ms model latency
 *   node src/load.ts --n 10,100 --adapters ai-sdk        a quick subset
 *   --latency MS  --k TURNS  --reps R  --suspend-n 10,100,1000|none  --inactivity-ms MS
 *   --profile DIR (CPU profiles of the largest N's runs)  --out DIR
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isAdapterBuilt } from './configs.ts';
import { LOAD_ADAPTERS, type LoadAdapter } from './load-agents.ts';
import { renderLoadMarkdown } from './load-report.ts';
import { runLoad } from './load-run.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string' },
    adapters: { type: 'string' },
    latency: { type: 'string' },
    k: { type: 'string' },
    reps: { type: 'string' },
    'suspend-n': { type: 'string' },
    'inactivity-ms': { type: 'string' },
    profile: { type: 'string' },
    out: { type: 'string' },
  },
});

const list = (value: string | undefined): string[] | undefined => value?.split(',').filter(Boolean);
const numbers = (value: string | undefined): number[] | undefined => list(value)?.map(Number);
const positive = (name: string, value: number): number => {
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`--${name} must be a non-negative integer, got ${value}`);
  }
  return value;
};

const ns = (numbers(values.n) ?? [10, 100, 1000]).map((n) => positive('n', n));
const requested = list(values.adapters) ?? [...LOAD_ADAPTERS];
const unknown = requested.filter((id) => !(LOAD_ADAPTERS as readonly string[]).includes(id));
if (unknown.length > 0) {
  throw new Error(`--adapters: unknown ${unknown.join(', ')} (known: ${LOAD_ADAPTERS.join(', ')})`);
}
// core's loop needs only core; the others need their adapter's dist.
const adapters = requested.filter((id) => id === 'core' || isAdapterBuilt(id)) as LoadAdapter[];
const skipped = requested.filter((id) => !adapters.includes(id as LoadAdapter));
if (skipped.length > 0) console.error(`[load] not built, skipped: ${skipped.join(', ')}`);

const results = await runLoad({
  ns,
  adapters,
  latencyMs: positive('latency', Number(values.latency ?? 300)),
  k: positive('k', Number(values.k ?? 2)),
  reps: positive('reps', Number(values.reps ?? 1)),
  suspendNs:
    values['suspend-n'] === 'none'
      ? []
      : (numbers(values['suspend-n']) ?? ns).map((n) => positive('suspend-n', n)),
  inactivityMs: positive('inactivity-ms', Number(values['inactivity-ms'] ?? 1000)),
  ...(values.profile !== undefined && { profileDir: values.profile }),
  log: (line) => console.error(`[load] ${line}`),
});

const markdown = renderLoadMarkdown(results);
const outDir = values.out ?? fileURLToPath(new URL('../results/', import.meta.url));
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'load-latest.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(outDir, 'load-latest.md'), markdown);
console.log(markdown);
