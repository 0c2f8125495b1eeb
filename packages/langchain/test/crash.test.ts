/**
 * LangChain patterns across a real crash: the service runs in a child process that is SIGKILLed mid-run
 * and restarted; Restate retries the invocation, which replays what was journaled and goes on.
 */

import { fileURLToPath } from 'node:url';
import type { MockRequest } from '@restate-agents/testing';
import { useCrashHarness } from '@restate-agents/testing/vitest';
import { expect, it } from 'vitest';

// Restarts are found within a second (fast retries; nothing here asserts on the back-off), and every test
// restarts the service: the next process loads while the current one serves.
const {
  restate: env,
  model: mock,
  service,
} = useCrashHarness({
  serviceEntry: fileURLToPath(new URL('./crash-service.ts', import.meta.url)),
});

const lastUserText = (request: MockRequest) =>
  request.messages.findLast((message) => message.role === 'user')?.text ?? '';

it('batch: SIGKILL while the second prompt is in flight; after the restart the first is not asked again', async () => {
  const key = 'batch-crash';
  mock.conversation(key, (request) => ({
    text: `answer to ${lastUserText(request)}`,
    // The first attempt at "second" hangs long enough to be killed in the middle of it.
    delayMs: lastUserText(request) === 'second' && request.attempt === 1 ? 5_000 : 20,
  }));
  const { invocationId } = await env.send({ service: 'LangChainCrash', handler: 'batch', key });
  const deadline = Date.now() + 30_000;
  while (!mock.requestsFor(key).some((request) => lastUserText(request) === 'second')) {
    if (Date.now() > deadline) throw new Error('the second prompt never reached the model');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await service.kill();
  await service.restart();
  expect(await env.attach(invocationId)).toEqual([
    'answer to first',
    'answer to second',
    'answer to third',
  ]);
  const asked = mock.requestsFor(key).map(lastUserText);
  expect(asked.filter((text) => text === 'first')).toHaveLength(1);
  expect(asked.filter((text) => text === 'second')).toHaveLength(2);
  expect(asked.filter((text) => text === 'third')).toHaveLength(1);
}, 90_000);

it('quickstart (responseFormat): SIGKILL after the tool; the new process offers another extract-<n> and still finishes', async () => {
  const key = 'quickstart-crash';
  mock.conversation(key, (request) => {
    if (request.turnIndex === 0) {
      return { toolCalls: [{ name: 'weather', arguments: { city: 'Oslo' } }], delayMs: 20 };
    }
    const extract = request.tools.find((name) => name.startsWith('extract-')) ?? 'missing';
    return { toolCalls: [{ name: extract, arguments: { city: 'Oslo', summary: 'sunny' } }] };
  });
  await service.armCrash('after-weather');
  const crashed = service.crashed();
  const { invocationId } = await env.send({
    service: 'LangChainCrash',
    handler: 'quickstart',
    key,
  });
  await crashed;
  await service.restart();
  expect(await env.attach(invocationId)).toEqual({ city: 'Oslo', summary: 'sunny' });
  // Turn 0 came from the journal after the crash; only turn 1 was asked of the model then.
  expect(mock.requestsFor(key).map((request) => request.turnIndex)).toEqual([0, 1]);
}, 90_000);

it('a durableTool returning a Command: SIGKILL after its step; the new process rebuilds the Command from the journal', async () => {
  const key = 'command-crash';
  mock.conversation(key, [
    { toolCalls: [{ name: 'lookup', arguments: {} }], delayMs: 20 },
    { text: 'you are Ada', delayMs: 20 },
  ]);
  await service.armCrash('after-command');
  const crashed = service.crashed();
  const { invocationId } = await env.send({
    service: 'LangChainCommandCrash',
    handler: 'run',
    key,
  });
  await crashed;
  await service.restart();
  // The Command's update (its ToolMessage) reached the state in the new process, which never ran the tool.
  expect(await env.attach(invocationId)).toEqual([
    'human:who am I?',
    'ai:',
    'tool:found Ada',
    'ai:you are Ada',
  ]);
  expect(mock.requestsFor(key).map((request) => request.turnIndex)).toEqual([0, 1]);
}, 90_000);
