/**
 * Mastra workflows run by `durableWorkflow` in a real service process, SIGKILLed at a crash point after
 * the first steps are journaled and restarted, in normal and always-replay mode: the journaled steps do not
 * run again (one ledger entry per side effect), the agent step's model turn is requested once, the sleep is
 * a Restate timer, and the run ends with the output it would have had without the crash.
 */
import { fileURLToPath } from 'node:url';
import { useCrashHarness } from '@restate-agents/testing/vitest';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('./workflow-service.ts', import.meta.url));

for (const alwaysReplay of [false, true]) {
  describe(alwaysReplay ? 'always-replay mode' : 'normal mode', () => {
    // Restarts are found within a second (fast retries; Mastra takes seconds to load, and nothing here asserts
    // on the back-off), and the next process loads while the current one serves.
    const harness = useCrashHarness({ serviceEntry: entry, restate: { alwaysReplay } });
    const { restate, model: mock, ledger, service } = harness;

    const mode = alwaysReplay ? 'replay' : 'normal';
    const effects = (session: string, what: string) =>
      ledger.entries({ kind: 'effect', session }).filter((entry) => entry.body.what === what)
        .length;

    it('a crash after the charge, the sleep and the agent step: none of them runs again', async () => {
      const key = `confirm-${mode}`;
      mock.conversation(key, [{ text: 'Order o7 is confirmed.', delayMs: 30 }]);
      await service.armCrash('before-notify');
      const crashed = service.crashed();
      const { invocationId } = await restate.send(
        { service: 'MastraWorkflows', handler: 'confirm', key },
        'o7',
      );
      expect(await crashed).toEqual({ point: 'before-notify', hit: 1 });
      await service.restart();
      const output = await restate.attach<{ status: string; result: unknown }>(invocationId, {
        timeoutMs: 60_000,
      });
      expect(output).toEqual({ status: 'success', result: { sent: 'Order o7 is confirmed.' } });
      expect(effects(key, 'charge')).toBe(1);
      expect(effects(key, 'notify')).toBe(1);
      expect(mock.requestsFor(key)).toHaveLength(1);
      const journal = await restate.journal(invocationId);
      const names = journal.filter((e) => e.name).map((e) => `${e.type}:${e.name}`);
      expect(names).toEqual(
        expect.arrayContaining([
          'Run:mastra:workflow:confirm-order:charge',
          'Sleep:mastra:workflow:confirm-order:sleep',
          'Run:mastra:model:1',
          'Run:mastra:workflow:confirm-order:notify',
        ]),
      );
    });

    it('.parallel() is refused before any step, naming the way out', async () => {
      const { invocationId } = await restate.send(
        { service: 'MastraWorkflows', handler: 'parallel', key: `parallel-${mode}` },
        null,
      );
      await expect(restate.attach(invocationId)).rejects.toThrow(
        /durableWorkflow: fan-out has \.parallel\(\) steps.*Chain them with \.then\(\)/,
      );
      expect(effects(`parallel-${mode}`, 'charge')).toBe(0);
    });
  });
}
