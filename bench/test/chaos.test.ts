/**
 * The short chaos run, part of `pnpm test`: for every adapter whose package is built, 20 SIGKILLs of its
 * conformance service at random moments while agent invocations run, with model faults mixed in. Nothing
 * may be duplicated, lost, asked of the model twice after it was journaled, or mismatch on replay.
 */
import { describe, expect, it } from 'vitest';
import { availableChaosAdapters, runChaos } from '../src/run-chaos.ts';

const KILLS = 20;

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
      });
      expect(result.kills).toBe(KILLS);
      expect(result.failures).toEqual([]);
      expect(result.invocationsCompleted + result.invocationsGaveUp).toBe(
        result.invocationsStarted,
      );
      expect(result.invocationsCompleted).toBeGreaterThan(result.invocationsStarted / 2);
      expect(result.invocationsStarted).toBeGreaterThan(0);
      expect(result.faultsInjected).toBeGreaterThan(0);
      expect(result.sideEffectsDuplicated).toBe(0);
      expect(result.sideEffectsLost).toBe(0);
      expect(result.modelRequestsRepeated).toBe(0);
      expect(result.journalMismatches).toBe(0);
    },
    180_000,
  );
});
