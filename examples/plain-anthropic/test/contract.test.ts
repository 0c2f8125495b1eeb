import { DEMO_ENV, DEMO_HANDLER, DEMO_OBJECT } from '@restate-agents/example-demo';
import {
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
  service = await startServiceProcess({
    entry: new URL('../src/service.ts', import.meta.url).pathname,
    env: { [DEMO_ENV.anthropicBaseUrl]: model.anthropicBaseUrl, [DEMO_ENV.model]: 'demo-support' },
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
