/**
 * `humanInTheLoopMiddleware` under `durableGraph(ctx, agent.graph)` across a real crash: the human edits the
 * tool call, the refund runs, and the service process is SIGKILLed before the next model call. After the
 * restart the journal carries the decision and the refund: the refund is not made again, the model is not
 * asked the first question again.
 */
import { fileURLToPath } from 'node:url';
import {
  type Ledger,
  type MockModelServer,
  startLedger,
  startMockModel,
  startServiceProcess,
} from '@restate-agents/testing';
import { useRestate } from '@restate-agents/testing/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';

// Restate's default invocation retry policy (500 ms, doubling up to 1 min) would retry the restarted
// service seconds after it is back; 50 ms..1 s finds it within a second. Nothing here asserts on the back-off.
const env = useRestate({
  env: {
    RESTATE_DEFAULT_RETRY_POLICY__INITIAL_INTERVAL: '50ms',
    RESTATE_DEFAULT_RETRY_POLICY__MAX_INTERVAL: '1s',
  },
});
let mock: MockModelServer;
let ledger: Ledger;
let service: Awaited<ReturnType<typeof startServiceProcess>>;

beforeAll(async () => {
  mock = await startMockModel();
  ledger = await startLedger();
  service = await startServiceProcess({
    entry: fileURLToPath(new URL('./hitl-crash-service.ts', import.meta.url)),
    env: { OPENAI_BASE_URL: mock.openaiBaseUrl, LEDGER_URL: ledger.url },
    readyTimeoutMs: 60_000,
    // The test restarts the service after its crash: the next process loads while this one serves.
    warmStandby: true,
  });
  await env.register({ url: service.url });
}, 90_000);
afterAll(async () => {
  await service?.stop();
  await ledger?.close();
  await mock?.close();
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
