/** Turns bench results into the markdown that `pnpm bench` prints and docs/benchmarks.md shows. */
import type { BenchResults, CaseResult } from './run-bench.ts';

const ms = (value: number): string => value.toFixed(1);
const times = (value: number | undefined): string =>
  value === undefined ? '–' : `${value.toFixed(2)}×`;
const bytes = (value: number): string => value.toLocaleString('en-US');

function wall(item: CaseResult): string {
  return `${ms(item.wallMs.median)} [${ms(item.wallMs.p25)}–${ms(item.wallMs.p75)}]`;
}

export function renderMarkdown(results: BenchResults): string {
  const lines: string[] = [];
  const push = (...items: string[]) => lines.push(...items);
  push(
    `Generated ${results.generatedAt} on ${results.machine.cpus} CPUs, Node ${results.machine.node} (${results.machine.platform}); ` +
      `${results.options.reps} timed repetitions per case after ${results.options.warmup} warm-up, interleaved; medians [p25–p75].`,
    '',
    'K = agent turns with a tool call; each run journals K+1 model calls and K tool calls (2K+1 steps). ' +
      'Overhead = wall − the same SDK loop without Restate; "vs raw" = that overhead over the wall time of the ' +
      'raw Restate floor (2K+1 bare `ctx.run` steps returning the same answers).',
    '',
  );
  for (const size of results.options.sizes) {
    push(
      `### ${size === 'short' ? 'Short conversation (2 KB system prompt, ~1.3 KB added per turn)' : 'Long conversation (+20 KB of earlier history in every request)'}`,
      '',
      '| K | configuration | wall ms | overhead ms/step | overhead vs raw | wall vs official | journal bytes | bytes vs official | largest entry |',
      '|---|---|---|---|---|---|---|---|---|',
    );
    for (const k of results.options.ks) {
      for (const floor of results.floors.filter((item) => item.size === size && item.k === k)) {
        push(
          `| ${k} | ${floor.label} | ${ms(floor.wallMs.median)} [${ms(floor.wallMs.p25)}–${ms(floor.wallMs.p75)}] | – | – | – | – | – | – |`,
        );
      }
      for (const item of results.cases.filter((entry) => entry.size === size && entry.k === k)) {
        push(
          `| ${k} | ${item.label} | ${wall(item)} | ${item.overheadPerStepMs.toFixed(2)} | ${times(item.overheadVsRaw)} | ${times(item.wallVsOfficial)} | ${bytes(item.journalBytes)} | ${times(item.bytesVsOfficial)} | ${bytes(item.largestEntryBytes)} |`,
        );
      }
    }
    push('');
  }
  if (results.growth.length > 0) {
    push(
      '### Growth with K',
      '',
      '| size | configuration | K | step growth (linear) | wall growth | journal growth | journal growth / linear |',
      '|---|---|---|---|---|---|---|',
    );
    for (const item of results.growth) {
      push(
        `| ${item.size} | ${item.config} | ${item.from}→${item.to} | ${times(item.linear)} | ${times(item.wall)} | ${times(item.bytes)} | ${item.bytesVsLinear.toFixed(2)} |`,
      );
    }
    push('');
  }
  if (results.replay.length > 0) {
    push(
      '### Replay after SIGKILL in the last tool call',
      '',
      'Original = handler entry → the last tool running, in the process that is then SIGKILLed; replay = ' +
        'handler entry in the restarted (cold) process → the same tool running live again. Kill → response ' +
        "includes the process restart and the server's retry back-off.",
      '',
      '| configuration | K | original ms | replay ms | replay / original | kill → response ms | model requests repeated |',
      '|---|---|---|---|---|---|---|',
    );
    for (const item of results.replay) {
      push(
        `| ${item.config} | ${item.k} | ${ms(item.originalMs)} | ${ms(item.replayMs)} | ${item.replayVsOriginal.toFixed(2)} | ${Math.round(item.killToResponseMs)} | ${item.modelRequestsRepeated} (of ${item.runs.reduce((sum, run) => sum + run.modelRequests, 0)} requests in ${item.runs.length} runs) |`,
      );
    }
    push('');
  }
  push(
    '### Targets',
    '',
    '| target | configuration | value | limit | met |',
    '|---|---|---|---|---|',
  );
  for (const target of results.targets) {
    push(
      `| ${target.target} | ${target.config} | ${target.value} | ${target.limit} | ${target.met ? 'yes' : '**no**'} |`,
    );
  }
  if (results.skipped.length > 0) {
    push('', `Skipped (adapter not built): ${results.skipped.join(', ')}.`);
  }
  return `${lines.join('\n')}\n`;
}
