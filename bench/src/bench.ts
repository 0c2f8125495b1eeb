/**
 * `pnpm bench`: every configuration side by side in one run; prints the markdown table and writes
 * results/latest.json and results/latest.md.
 *
 *   node src/bench.ts                 full: K 10/50/200, short and long conversations, 5 reps, replay ×3
 *   node src/bench.ts --quick         CI-sized: short conversation only, 2 reps, replay ×1
 *   --reps N  --ks 10,50  --sizes short,long  --replay-reps N  --configs raw,official,ai-sdk  --out DIR
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { renderMarkdown } from './report.ts';
import { type BenchOptions, runBench } from './run-bench.ts';
import { renderTtftMarkdown, runTtftBench, TTFT_MODEL_TIMING, writeTtftResults } from './ttft.ts';
import type { ConversationSize } from './workload.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    reps: { type: 'string' },
    warmup: { type: 'string' },
    ks: { type: 'string' },
    sizes: { type: 'string' },
    'replay-ks': { type: 'string' },
    'replay-reps': { type: 'string' },
    configs: { type: 'string' },
    out: { type: 'string' },
  },
});

const list = (value: string | undefined): string[] | undefined => value?.split(',').filter(Boolean);
const numbers = (value: string | undefined): number[] | undefined => list(value)?.map(Number);

const defaults: Omit<BenchOptions, 'log'> = values.quick
  ? { ks: [10, 50, 200], sizes: ['short'], reps: 2, warmup: 1, replayKs: [50], replayReps: 1 }
  : {
      ks: [10, 50, 200],
      sizes: ['short', 'long'],
      reps: 5,
      warmup: 1,
      replayKs: [50],
      replayReps: 3,
    };

const options: BenchOptions = {
  ks: numbers(values.ks) ?? defaults.ks,
  sizes: (list(values.sizes) as ConversationSize[] | undefined) ?? defaults.sizes,
  reps: values.reps === undefined ? defaults.reps : Number(values.reps),
  warmup: values.warmup === undefined ? defaults.warmup : Number(values.warmup),
  replayKs: numbers(values['replay-ks']) ?? defaults.replayKs,
  replayReps:
    values['replay-reps'] === undefined ? defaults.replayReps : Number(values['replay-reps']),
  ...(values.configs !== undefined && { configs: list(values.configs) }),
  log: (line) => console.error(`[bench] ${line}`),
};

const results = await runBench(options);
const markdown = renderMarkdown(results);
const outDir = values.out ?? fileURLToPath(new URL('../results/', import.meta.url));
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(outDir, 'latest.md'), markdown);
console.log(markdown);
// Time to first token, live through the stream log vs the model's own stream (src/ttft.ts; alone:
// `node src/ttft.ts`). Skipped when --configs picks configurations.
if (values.configs === undefined) {
  const ttft = await runTtftBench({
    ...(values.quick ? { reps: 5, warmup: 1 } : { reps: 15, warmup: 2 }),
    ...TTFT_MODEL_TIMING,
    log: options.log,
  });
  writeTtftResults(ttft, outDir);
  console.log(`\n## Time to first token\n\n${renderTtftMarkdown(ttft)}`);
  results.targets.push(ttft.target);
}
const missed = results.targets.filter((target) => !target.met);
console.error(
  `[bench] ${results.targets.length - missed.length}/${results.targets.length} targets met; results in ${outDir}`,
);
