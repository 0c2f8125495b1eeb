/**
 * `pnpm chaos`: the chaos run for every adapter that is built. `--kills 200` is the full run, `--kills 20`
 * the short one; `--adapters core,ai-sdk` restricts it; `--runs 3` repeats it; `--burn 2` runs two
 * CPU-burning processes beside it for the whole time (a loaded machine, as CI runners often are). Prints a
 * markdown table (one row per adapter and run) and, for every invocation that went wrong, its report
 * (status, side effects and model turns with journal positions and times). Writes
 * results/chaos-latest.json and exits 1 when anything was duplicated, lost, repeated or mismatched, or an
 * invocation neither completed nor gave up with an error naming why (e.g. it was left paused).
 *
 * Adapters with `live` stream (`--live off` turns it off): their agents (src/chaos-live-service.ts) send every
 * model step's text to the stream log (registered in this process, which no kill touches), a client reads each
 * turn live while the service is killed, folds it as `useChat` does and compares it with the journaled answer:
 * words shown twice and answers missing from a client's final message must be 0 (src/chaos-delivery.ts).
 *
 * `--cluster 3` runs it on a 3-node restate-server cluster and SIGKILLs server nodes too (`--server-kills`,
 * default kills / 5, at least 2; every other one the partition's leader), and writes
 * results/chaos-cluster-latest.json with the server kills, leadership changes, failover times and the
 * in-flight re-runs, each explained by a service kill or a server event.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ChaosResult } from './run-chaos.ts';

// The stream log runs in this process: its every read and append would be logged at INFO. Set before the
// Restate SDK loads (it reads the level once), hence the imports below are dynamic.
process.env.RESTATE_LOGGING ??= 'WARN';
const { formatInvocation, isTroubled } = await import('./chaos-assess.ts');
const { availableChaosAdapters, chaosVerdict, runChaos } = await import('./run-chaos.ts');

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '20' },
    adapters: { type: 'string' },
    concurrency: { type: 'string', default: '6' },
    turns: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
    runs: { type: 'string', default: '1' },
    burn: { type: 'string', default: '0' },
    cluster: { type: 'string' },
    /**
     * `on` (default): adapters with `live` stream, and clients read every turn; `off`: no streaming;
     * `only`: the adapters with `live` alone (`pnpm --filter @restate-agents/bench chaos:live`).
     */
    live: { type: 'string', default: 'on' },
    /** Streaming runs: ms between two streamed pieces of a model answer. */
    'chunk-delay-ms': { type: 'string', default: '25' },
    'server-kills': { type: 'string' },
    /** The results file under results/ (default chaos-latest.json, chaos-cluster-latest.json with --cluster). */
    out: { type: 'string' },
  },
});

const only = values.adapters?.split(',');
const adapters = availableChaosAdapters().filter(
  (adapter) =>
    (!only || only.includes(adapter.id)) && (values.live !== 'only' || adapter.live === true),
);
const results: Array<ChaosResult & { run: number }> = [];
const errors: string[] = [];

// Busy loops in child processes, killed by their own handles when the runs end (or this process exits).
const burners: ChildProcess[] = Array.from({ length: Number(values.burn) }, () =>
  spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
);
const stopBurners = () => {
  for (const burner of burners) burner.kill('SIGKILL');
};
process.on('exit', stopBurners);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopBurners();
    process.exit(130);
  });
}
if (burners.length > 0) console.error(`[chaos] ${burners.length} CPU-burning processes running`);

try {
  for (let run = 1; run <= Number(values.runs); run++) {
    for (const adapter of adapters) {
      console.error(`[chaos] run ${run}, ${adapter.id}: ${values.kills} kills`);
      let result: ChaosResult;
      try {
        result = await runChaos(adapter, {
          kills: Number(values.kills),
          concurrency: Number(values.concurrency),
          turns: Number(values.turns),
          killEveryMs: [100, 600],
          seed: Number(values.seed) + run - 1,
          live: values.live !== 'off',
          chunkDelayMs: Number(values['chunk-delay-ms']),
          ...(values.cluster !== undefined && { cluster: Number(values.cluster) }),
          ...(values['server-kills'] !== undefined && {
            serverKills: Number(values['server-kills']),
          }),
          log: (line) => console.error(`[chaos] ${line}`),
        });
      } catch (error) {
        // An adapter under construction may not even start; report it and go on with the others.
        // The end says why (the beginning of a service's output is its start-up noise).
        const text = String(error);
        console.error(
          `[chaos] ${adapter.id}: could not run: ${text.length > 4000 ? `${text.slice(0, 400)}\n…\n${text.slice(-3000)}` : text}`,
        );
        errors.push(`${adapter.id} (run ${run})`);
        continue;
      }
      results.push({ ...result, run });
      const { invocations, ...summary } = result;
      console.error(`[chaos] ${adapter.id}: ${JSON.stringify(summary)}`);
      // Where anything went wrong, the per-invocation evidence: status, side effects, journal positions, times.
      for (const report of invocations.filter(isTroubled)) console.error(formatInvocation(report));
    }
  }
} finally {
  stopBurners();
}

const rows = results.map(
  (result) =>
    `| ${result.adapter} | ${result.run} | ${result.kills} | ${result.invocationsCompleted}/${result.invocationsStarted} | ${result.invocationsGaveUp} | ${result.invocationsFailed + result.invocationsUnfinished} (${result.invocationsPaused} paused) | ${result.sideEffectsDuplicated} | ${result.sideEffectsLost} | ${result.modelRequestsRepeated} | ${result.journalMismatches} | ${result.sideEffectsRerunBeforeJournaled} | ${result.modelRequestsRetriedBeforeJournaled} | ${result.rerunCauses.attemptEnd} (${result.rerunCauses.attemptTimeout}) | ${result.rerunCauses.withinAttempt} | ${result.faultsInjected} | ${result.clockInversionMaxMs} | ${(result.durationMs / 1000).toFixed(0)} s |`,
);
const clusterRows = results.flatMap((result) =>
  result.cluster === undefined
    ? []
    : [
        `| ${result.adapter} | ${result.run} | ${result.cluster.serverKills} (${result.cluster.leaderKills} leader) | ${result.kills} | ${result.cluster.leadershipChanges} | ${result.cluster.failoverMs.map((ms) => (ms / 1000).toFixed(1)).join(', ') || '-'} | ${result.invocationsCompleted}/${result.invocationsStarted} | ${result.invocationsGaveUp} | ${result.sideEffectsDuplicated} | ${result.sideEffectsLost} | ${result.modelRequestsRepeated} | ${result.journalMismatches} | ${result.cluster.inFlightReruns} | ${result.cluster.inFlightRerunsAtServerEvents} | ${result.cluster.inFlightRerunsUnexplained} | ${result.cluster.invocationsOverRerunBound} | ${(result.durationMs / 1000).toFixed(0)} s |`,
      ],
);
if (clusterRows.length > 0) {
  console.log(
    [
      `On a ${values.cluster}-node restate-server cluster`,
      '',
      '| adapter | run | server kills | service kills | leadership changes | failover after leader kill (s) | invocations completed | gave up | side effects duplicated | lost | model requests repeated | journal mismatches | in-flight re-runs | of them at server events | unexplained | invocations over the re-run bound | duration |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
      ...clusterRows,
      '',
    ].join('\n'),
  );
}
console.log(
  [
    `${values.kills} kills per run${burners.length > 0 ? `, beside ${burners.length} CPU-burning processes` : ''}`,
    '',
    '| adapter | run | kills | invocations completed | gave up (error naming why) | failed or unfinished | side effects duplicated | side effects lost | model requests repeated | journal mismatches | re-run before journaled (killed inside the step) | model requests retried before journaled | of the re-runs: after a failed attempt (invoker timeout) | within one attempt | model faults injected | clock skew absorbed (ms) | duration |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n'),
);
const deliveryRows = results.flatMap((result) =>
  result.delivery === undefined
    ? []
    : [
        `| ${result.adapter} | ${result.run} | ${result.kills} | ${result.delivery.turnsRead} | ${result.delivery.turnsRetracted} | ${result.delivery.retractions} | ${result.delivery.reconnects} | **${result.delivery.wordsShownTwice}** | **${result.delivery.answersMissing}** |`,
      ],
);
if (deliveryRows.length > 0) {
  console.log(
    [
      '',
      'Delivery to streaming clients (each turn read live from the stream log, folded as useChat does)',
      '',
      '| adapter | run | kills | turns read | turns retracted | retractions (reset-step) | reconnects | words shown twice | answers missing |',
      '|---|---|---|---|---|---|---|---|---|',
      ...deliveryRows,
    ].join('\n'),
  );
}
const outDir = fileURLToPath(new URL('../results/', import.meta.url));
mkdirSync(outDir, { recursive: true });
// The per-invocation reports of the invocations that went wrong only: the clean ones add nothing.
// On a cluster, also those with a re-run neither a service kill nor a server event explains.
const recorded = results.map(({ invocations, ...summary }) => ({
  ...summary,
  invocations: invocations.filter(
    (report) =>
      isTroubled(report) ||
      summary.cluster?.sessionsWithUnexplainedReruns.includes(report.session) === true,
  ),
}));
const outFile =
  values.out ?? (values.cluster === undefined ? 'chaos-latest.json' : 'chaos-cluster-latest.json');
writeFileSync(`${outDir}${outFile}`, `${JSON.stringify(recorded, null, 2)}\n`);
const bad = results.filter((result) => chaosVerdict(result).length > 0);
if (bad.length > 0 || errors.length > 0) {
  console.error(
    `[chaos] FAILED: ${[
      ...bad.map(
        (result) => `${result.adapter} (run ${result.run}: ${chaosVerdict(result).join(', ')})`,
      ),
      ...errors,
    ].join('; ')}`,
  );
  process.exitCode = 1;
}
