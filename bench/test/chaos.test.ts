/**
 * The short chaos run, part of `pnpm test`: for every adapter whose package is built, 10 SIGKILLs of its
 * conformance service at random moments while agent invocations run, with model faults mixed in. Nothing
 * may be duplicated, lost, asked of the model twice after it was journaled, or mismatch on replay, and every
 * invocation completes or gives up with an error naming why (none is left paused). A failure prints the
 * per-invocation report of every invocation that went wrong. Ten kills per adapter keep the seven adapters'
 * run near three minutes (each kill restarts the service, and loading an SDK takes seconds); the proof in
 * numbers is `pnpm chaos` (200 kills per adapter, docs/benchmarks.md).
 *
 * The adapters with `live` stream, as in `pnpm chaos`: a client reads every turn from the stream log while the
 * service is killed, and no word may be shown twice nor an answer be missing from its final message. It costs
 * no time here (10 kills, measured 2026-12-01 at load ~25: ai-sdk 55 s streaming vs 70 s not, langgraph 66 s vs
 * 71 s; the kills and restarts dominate).
 */
import { describe, expect, it } from 'vitest';
import { formatInvocation, isTroubled } from '../src/chaos-assess.ts';

// The stream log runs in this process: every read and append would be logged at INFO. Set before the Restate
// SDK loads (it reads the level once), hence the dynamic import.
process.env.RESTATE_LOGGING ??= 'WARN';
const { availableChaosAdapters, chaosVerdict, runChaos } = await import('../src/run-chaos.ts');

const KILLS = 10;

describe('chaos: SIGKILLs and model faults', () => {
  it.each(availableChaosAdapters().map((adapter) => [adapter.id, adapter] as const))(
    '%s survives %i kills with nothing duplicated, lost or repeated'.replace('%i', String(KILLS)),
    async (_id, adapter) => {
      const result = await runChaos(adapter, {
        kills: KILLS,
        concurrency: 6,
        turns: 3,
        killEveryMs: [100, 600],
        seed: 7,
        live: true,
        // The next service process loads while the current one serves, and a failed attempt is retried
        // after 50 ms: the same kills, less time waiting for the service to come back.
        warmStandby: true,
      });
      const { invocations, ...summary } = result;
      const evidence = [
        JSON.stringify(summary),
        ...invocations.filter(isTroubled).map(formatInvocation),
      ].join('\n');
      expect(chaosVerdict(result), evidence).toEqual([]);
      expect(result.kills).toBe(KILLS);
      expect(result.invocationsCompleted, evidence).toBeGreaterThan(result.invocationsStarted / 2);
      expect(result.invocationsStarted).toBeGreaterThan(0);
      expect(result.faultsInjected).toBeGreaterThan(0);
      expect(result.sideEffectsRerunBeforeJournaled, evidence).toBeGreaterThanOrEqual(0);
      if (adapter.live) {
        // Every turn was read live and folded (chaosVerdict above holds words shown twice and answers missing).
        expect(result.delivery?.turnsRead, evidence).toBe(result.invocationsStarted);
      }
    },
    // The kills, then up to two minutes for the invocations to finish (longer on a loaded machine).
    600_000,
  );
});
