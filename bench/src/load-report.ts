/** Turns `pnpm bench:load` results into the markdown it prints and docs/benchmarks.md shows. */
import type { LoadResults } from './load-run.ts';

const times = (value: number): string => `${value.toFixed(2)}×`;

export function renderLoadMarkdown(results: LoadResults): string {
  const { options } = results;
  const lines = [
    `Generated ${results.generatedAt} on ${results.machine.cpus} CPUs, Node ${results.machine.node}; ` +
      `K = ${options.k} (${options.k + 1} model calls and ${options.k} tool calls per agent), model latency ` +
      `${options.latencyMs} ms per call, all N sent at once, ${options.reps} repetition(s) (median). ` +
      'restate-server, the service process and the client share the machine; the load average is the ' +
      "machine's 1-minute load average at the end of each run (above the CPU count, processes wait for a core).",
    '',
    'Three forms of each agent make the same calls: **no Restate** (the SDK loop alone), **hand-wired** (the same ' +
      'loop with one `ctx.run` around each model call and each tool body, default JSON serde) and **adapter** ' +
      '(the adapter). Ratios are adapter over no Restate, and adapter over hand-wired.',
    '',
    '| adapter | N | wall ms: no Restate / hand-wired / adapter | wall ratio | wall vs hand-wired | adapter agents/s | service CPU ms/agent: no Restate / hand-wired / adapter | CPU ratio | CPU vs hand-wired | restate-server CPU ms/agent | service peak heap KB/agent: no Restate / adapter | model requests/agent | journal entries/agent | failures | load average (1 min): no Restate / hand-wired / adapter |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const item of results.cases) {
    const { floor, hand, durable } = item;
    lines.push(
      `| ${item.adapter} | ${item.n} | ${floor.wallMs.toFixed(0)} / ${hand.wallMs.toFixed(0)} / ${durable.wallMs.toFixed(0)} | ` +
        `${times(item.wallRatio)} | ${times(item.wallVsHand)} | ${durable.throughputPerS.toFixed(0)} | ` +
        `${floor.serviceCpuMsPerAgent.toFixed(2)} / ${hand.serviceCpuMsPerAgent.toFixed(2)} / ${durable.serviceCpuMsPerAgent.toFixed(2)} | ` +
        `${times(item.serviceCpuRatio)} | ${times(item.serviceCpuVsHand)} | ${durable.serverCpuMsPerAgent.toFixed(2)} | ` +
        `${floor.peakHeapKbPerAgent.toFixed(0)} / ${durable.peakHeapKbPerAgent.toFixed(0)} | ` +
        `${floor.modelRequestsPerAgent} / ${hand.modelRequestsPerAgent} / ${durable.modelRequestsPerAgent} | ` +
        `${hand.journalEntriesPerAgent ?? '–'} / ${durable.journalEntriesPerAgent ?? '–'} | ${floor.failures + hand.failures + durable.failures} | ` +
        `${[floor, hand, durable].map((run) => run.loadAverage?.toFixed(1) ?? '–').join(' / ')} |`,
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
