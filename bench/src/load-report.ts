/** Turns `pnpm bench:load` results into the markdown it prints and docs/benchmarks.md shows. */
import type { LoadResults } from './load-run.ts';

const times = (value: number): string => `${value.toFixed(2)}×`;

export function renderLoadMarkdown(results: LoadResults): string {
  const { options } = results;
  const lines = [
    `Generated ${results.generatedAt} on ${results.machine.cpus} CPUs, Node ${results.machine.node}; ` +
      `K = ${options.k} (${options.k + 1} model calls and ${options.k} tool calls per agent), model latency ` +
      `${options.latencyMs} ms per call, all N sent at once, ${options.reps} repetition(s) (median). ` +
      'restate-server, the service process and the client share the machine.',
    '',
    '| adapter | N | no-Restate wall ms | durable wall ms | wall ratio | durable agents/s | service CPU ms/agent (no Restate → durable) | CPU ratio | restate-server CPU ms/agent | service peak heap KB/agent (no Restate → durable) | failures |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const item of results.cases) {
    lines.push(
      `| ${item.adapter} | ${item.n} | ${item.floor.wallMs.toFixed(0)} | ${item.durable.wallMs.toFixed(0)} | ${times(item.wallRatio)} | ` +
        `${item.durable.throughputPerS.toFixed(0)} | ${item.floor.serviceCpuMsPerAgent.toFixed(2)} → ${item.durable.serviceCpuMsPerAgent.toFixed(2)} | ` +
        `${times(item.serviceCpuRatio)} | ${item.durable.serverCpuMsPerAgent.toFixed(2)} | ` +
        `${item.floor.peakHeapKbPerAgent.toFixed(0)} → ${item.durable.peakHeapKbPerAgent.toFixed(0)} | ${item.floor.failures + item.durable.failures} |`,
    );
  }
  if (results.suspension.length > 0) {
    lines.push(
      '',
      `Agents waiting on an approval after one model call; service heap after a full GC, minus before they started. ` +
        `\`prompt\`: the service sets \`inactivityTimeout\` = ${options.inactivityMs} ms; \`default\`: restate-server's 1 minute.`,
      '',
      '| inactivity timeout | N waiting | suspended by Restate | service heap growth KB | KB per waiting agent | all waiting after ms |',
      '|---|---|---|---|---|---|',
    );
    for (const item of results.suspension) {
      lines.push(
        `| ${item.variant} | ${item.n} | ${item.suspended} | ${item.heapGrowthKb.toFixed(0)} | ${item.heapKbPerAgent.toFixed(2)} | ${item.settleMs.toFixed(0)} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
