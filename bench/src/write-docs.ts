/**
 * Rewrites docs/benchmarks.md from results/latest.md (and results/chaos-latest.json and ttft-latest.md when
 * present), so the page always shows the table of the last full run: `node src/write-docs.ts` after `pnpm bench`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ChaosResult } from './run-chaos.ts';

const results = fileURLToPath(new URL('../results/', import.meta.url));
const docs = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));
const page = readFileSync(docs, 'utf8');
const table = readFileSync(`${results}latest.md`, 'utf8').trim();

let chaos = '_No chaos run recorded yet: `pnpm chaos --kills 200`._';
if (existsSync(`${results}chaos-latest.json`)) {
  const runs = JSON.parse(readFileSync(`${results}chaos-latest.json`, 'utf8')) as ChaosResult[];
  chaos = [
    '| adapter | kills | invocations completed | gave up (error naming why) | failed or unfinished | side effects duplicated | lost | model requests repeated | journal mismatches | re-run before journaled | model requests retried before journaled | model faults injected |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...runs.map(
      (run) =>
        `| ${run.adapter} | ${run.kills} | ${run.invocationsCompleted}/${run.invocationsStarted} | ${run.invocationsGaveUp ?? 0} | ${run.invocationsStarted - run.invocationsCompleted - (run.invocationsGaveUp ?? 0)}${run.invocationsPaused ? ` (${run.invocationsPaused} paused)` : ''} | ${run.sideEffectsDuplicated} | ${run.sideEffectsLost} | ${run.modelRequestsRepeated} | ${run.journalMismatches} | ${run.sideEffectsRerunBeforeJournaled} | ${run.modelRequestsRetriedBeforeJournaled} | ${run.faultsInjected} |`,
    ),
  ].join('\n');
}

const replace = (text: string, name: string, body: string): string => {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to === -1) throw new Error(`docs/benchmarks.md lacks the ${name} markers`);
  return `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`;
};

let updated = replace(replace(page, 'bench', table), 'chaos', chaos);
// Time to first token (src/ttft.ts, run by `pnpm bench`), when a run left its table.
if (existsSync(`${results}ttft-latest.md`)) {
  updated = replace(updated, 'ttft', readFileSync(`${results}ttft-latest.md`, 'utf8').trim());
}
writeFileSync(docs, updated);
console.log(`updated ${docs}`);
