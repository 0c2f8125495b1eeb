import { DEMO_ENV, DEMO_HANDLER, DEMO_OBJECT } from '@restate-agents/example-demo';
import {
  freePort,
  InvocationFailedError,
  type MockModelServer,
  type RestateEnvironment,
  type ServiceProcess,
  startMockModel,
  startRestate,
  startServiceProcess,
} from '@restate-agents/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

let restate: RestateEnvironment;
let model: MockModelServer;
let service: ServiceProcess;

beforeAll(async () => {
  restate = await startRestate();
  model = await startMockModel();
  // Nothing listens on the ledger's port: every side effect a tool attempts fails.
  const closedPort = await freePort();
  service = await startServiceProcess({
    entry: new URL('../src/service.ts', import.meta.url).pathname,
    env: {
      [DEMO_ENV.anthropicBaseUrl]: model.anthropicBaseUrl,
      [DEMO_ENV.model]: 'demo-support',
      [DEMO_ENV.ledgerUrl]: `http://127.0.0.1:${closedPort}`,
    },
  });
  await restate.register({ url: service.url });
});

afterAll(async () => {
  await service?.stop();
  await model?.close();
  await restate?.stop();
});

it('malformed handler input ends the invocation at once, naming it, before any model call', async () => {
  const { invocationId } = await restate.send(
    { service: DEMO_OBJECT, handler: DEMO_HANDLER, key: 'bad-input' },
    42,
  );
  const failure = await restate.attach(invocationId, { timeoutMs: 30_000 }).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(InvocationFailedError.isInstance(failure)).toBe(true);
  expect((failure as InvocationFailedError).message).toMatch(
    /invalid-input: the handler's input must be a non-empty string \(the customer's message\), got number 42/,
  );
  expect(model.requests).toHaveLength(0);
  // One attempt: the failure is terminal, not retried by the agent's retry policy.
  const journal = await restate.journal(invocationId);
  expect(journal.filter((entry) => entry.type === 'Run')).toHaveLength(0);
});

it('a tool that gives up hands the model a tool error naming it, and the agent goes on', async () => {
  model.conversation('demo-support', [
    {
      toolCalls: [
        {
          id: 'toolu_email',
          name: 'send_email',
          arguments: { to: 'ada@example.com', subject: 'Hi' },
        },
      ],
    },
    { text: 'The email could not be sent.' },
  ]);
  const { invocationId } = await restate.send(
    { service: DEMO_OBJECT, handler: DEMO_HANDLER, key: 'gives-up' },
    'Please email me.',
  );
  const answer = await restate.attach<string>(invocationId, { timeoutMs: 60_000 });
  expect(answer).toBe('The email could not be sent.');
  const requests = model.requestsFor('demo-support');
  expect(requests).toHaveLength(2);
  expect(requests[1]?.lastToolResult).toMatch(
    /^Error: Tool "send_email" failed: gave up after 3 attempts; last error: /,
  );
  // Step names from core's modelStepName / toolStepName, as the tool-call contract names them.
  const names = (await restate.journal(invocationId))
    .filter((entry) => entry.type === 'Run' && entry.kind === 'command')
    .map((entry) => entry.name);
  expect(names).toEqual([
    'anthropic:model:1',
    'anthropic:tool:send_email:toolu_email',
    'anthropic:model:2',
  ]);
});
