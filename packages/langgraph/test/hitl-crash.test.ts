/**
 * `humanInTheLoopMiddleware` under `durableGraph(ctx, agent.graph)` across a real crash: the human edits the
 * tool call, the refund runs, and the service process is SIGKILLed before the next model call. After the
 * restart the journal carries the decision and the refund: the refund is not made again, the model is not
 * asked the first question again.
 */
import { fileURLToPath } from 'node:url';
import { useCrashHarness } from '@restate-agents/testing/vitest';
import { expect, it } from 'vitest';

// The restart is found within a second (fast retries; nothing here asserts on the back-off), and the next
// process loads while this one serves.
const {
  restate: env,
  model: mock,
  ledger,
  service,
} = useCrashHarness({
  serviceEntry: fileURLToPath(new URL('./hitl-crash-service.ts', import.meta.url)),
});

it('edit, then SIGKILL after the refund: the refund runs once with the edited arguments', async () => {
  const key = 'hitl-crash';
  mock.conversation(key, [
    { delayMs: 50, toolCalls: [{ name: 'refund', arguments: { amount: 100 } }] },
    { delayMs: 50, text: 'done' },
  ]);
  await service.armCrash('after-refund');
  const crashed = service.crashed();
  const { invocationId } = await env.send(
    { service: 'HitlCrash', handler: 'run', key },
    'refund me',
  );
  const asked = await ledger.waitFor('approval', key, { timeoutMs: 30_000 });
  await env.resolveAwakeable(String(asked.body.awakeableId), {
    decisions: [{ type: 'edit', editedAction: { name: 'refund', args: { amount: 50 } } }],
  });
  await crashed;
  await service.restart();
  expect(await env.attach(invocationId, { timeoutMs: 60_000 })).toEqual([
    'human:refund me',
    'ai:',
    'tool:refunded 50 EUR',
    'ai:done',
  ]);
  expect(
    ledger.entries({ kind: 'refund', session: key }).map((entry) => entry.body.amount),
  ).toEqual([50]);
  expect(ledger.entries({ kind: 'approval', session: key })).toHaveLength(1);
  expect(mock.requestsFor(key).map((request) => request.turnIndex)).toEqual([0, 1]);
}, 120_000);
