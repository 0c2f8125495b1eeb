/**
 * `pnpm bench:load`: N concurrent agents per adapter, durable vs the same agents with no Restate, plus N
 * agents waiting on an approval. Prints markdown, writes results/load-latest.json and results/load-latest.md.
 *
 *   node src/load.ts                                     N = 10,100,1000, every adapter, 300 ms model latency
 *   node src/load.ts --n 10,100 --adapters ai-sdk        a quick subset
 *   --latency MS  --k TURNS  --reps R  --suspend-n 10,100,1000|none  --inactivity-ms MS
 *   --profile DIR (CPU profiles of the largest N's runs)  --out DIR
 *   --docs (also put the tables into docs/benchmarks.md, between the load markers)
 *   --name NAME (results/load-NAME.json and .md; default latest)
 *   --render a.json,b.json (no run: merge earlier results, e.g. a quick N = 10,100 run and an N = 1,000 run)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isAdapterBuilt } from './configs.ts';
import { LOAD_ADAPTERS, type LoadAdapter } from './load-agents.ts';
import { renderLoadMarkdown } from './load-report.ts';
import { type LoadResults, runLoad } from './load-run.ts';

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
    docs: { type: 'boolean', default: false },
    name: { type: 'string', default: 'latest' },
    render: { type: 'string' },
  },
});

/** Earlier result files as one: their cases and waiting runs in file order, the first file's options. */
function mergeResults(files: string[]): LoadResults {
  const runs = files.map((file) => JSON.parse(readFileSync(file, 'utf8')) as LoadResults);
  const [first] = runs;
  if (first === undefined) throw new Error('--render needs at least one results file');
  // A later file's waiting run replaces an earlier one's with the same variant and N.
  const byKey = new Map(
    runs
      .flatMap((run) => run.suspension)
      .map((item) => [`${item.variant}:${item.n}`, item] as const),
  );
  const suspension = [...byKey.values()];
  return {
    ...first,
    options: { ...first.options, ns: [...new Set(runs.flatMap((run) => run.options.ns))] },
    cases: runs.flatMap((run) => run.cases),
    suspension,
    profiles: runs.flatMap((run) => run.profiles),
  };
}

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

const results =
  values.render === undefined
    ? await runLoad({
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
      })
    : mergeResults(list(values.render) ?? []);

const markdown = renderLoadMarkdown(results);
const outDir = values.out ?? fileURLToPath(new URL('../results/', import.meta.url));
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, `load-${values.name}.json`), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(outDir, `load-${values.name}.md`), markdown);
console.log(markdown);

if (values.docs) {
  const docs = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));
  const page = readFileSync(docs, 'utf8');
  const start = '<!-- load:start -->';
  const end = '<!-- load:end -->';
  const from = page.indexOf(start);
  const to = page.indexOf(end);
  if (from === -1 || to === -1) throw new Error('docs/benchmarks.md lacks the load markers');
  writeFileSync(docs, `${page.slice(0, from + start.length)}\n${markdown}${page.slice(to)}`);
  console.error(`[load] updated ${docs}`);
}
