/**
 * `pnpm chaos`: the chaos run for every adapter that is built. `--kills 200` is the full run, `--kills 20`
 * the short one; `--adapters core,ai-sdk` restricts it. Prints a markdown table, writes
 * results/chaos-latest.json, and exits 1 when anything was duplicated, lost, repeated or mismatched.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { availableChaosAdapters, type ChaosResult, runChaos } from './run-chaos.ts';

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '20' },
    adapters: { type: 'string' },
    concurrency: { type: 'string', default: '6' },
    turns: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
  },
});

const only = values.adapters?.split(',');
const adapters = availableChaosAdapters().filter((adapter) => !only || only.includes(adapter.id));
const results: ChaosResult[] = [];
const errors: string[] = [];
for (const adapter of adapters) {
  console.error(`[chaos] ${adapter.id}: ${values.kills} kills`);
  let result: ChaosResult;
  try {
    result = await runChaos(adapter, {
      kills: Number(values.kills),
      concurrency: Number(values.concurrency),
      turns: Number(values.turns),
      killEveryMs: [100, 600],
      seed: Number(values.seed),
      log: (line) => console.error(`[chaos] ${line}`),
    });
  } catch (error) {
    // An adapter under construction may not even start; report it and go on with the others.
    console.error(`[chaos] ${adapter.id}: could not run: ${String(error).slice(0, 2000)}`);
    errors.push(adapter.id);
    continue;
  }
  results.push(result);
  console.error(`[chaos] ${adapter.id}: ${JSON.stringify(result)}`);
}

const rows = results.map(
  (result) =>
    `| ${result.adapter} | ${result.kills} | ${result.invocationsCompleted}/${result.invocationsStarted} | ${result.invocationsGaveUp} | ${result.sideEffectsDuplicated} | ${result.sideEffectsLost} | ${result.modelRequestsRepeated} | ${result.journalMismatches} | ${result.sideEffectsRerunBeforeJournaled} | ${result.modelRequestsRetriedBeforeJournaled} | ${result.faultsInjected} | ${(result.durationMs / 1000).toFixed(0)} s |`,
);
console.log(
  [
    '| adapter | kills | invocations completed | gave up (retry cap used up by kills + faults) | side effects duplicated | side effects lost | model requests repeated | journal mismatches | re-run before journaled (killed inside the step) | model requests retried before journaled | model faults injected | duration |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n'),
);
const outDir = fileURLToPath(new URL('../results/', import.meta.url));
mkdirSync(outDir, { recursive: true });
writeFileSync(`${outDir}chaos-latest.json`, `${JSON.stringify(results, null, 2)}\n`);
const bad = results.filter(
  (result) =>
    result.sideEffectsDuplicated +
      result.sideEffectsLost +
      result.modelRequestsRepeated +
      result.journalMismatches >
      0 || result.invocationsCompleted + result.invocationsGaveUp !== result.invocationsStarted,
);
if (bad.length > 0 || errors.length > 0) {
  console.error(
    `[chaos] FAILED: ${[...bad.map((result) => result.adapter), ...errors].join(', ')}`,
  );
  process.exitCode = 1;
}
