// The crash test from this package's README, run as written (only the entry path differs).
import { startMockModel, startServiceProcess } from '@restate-agents/testing';
import { useRestate } from '@restate-agents/testing/vitest';
import { expect, it } from 'vitest';

const restate = useRestate();

it('finishes after a crash without asking the model twice', async () => {
  const model = await startMockModel();
  model.conversation('gpt-test', [
    { toolCalls: [{ name: 'refund', arguments: { order: 'A-1' } }] },
    { text: 'Refunded.' },
  ]);
  const service = await startServiceProcess({
    entry: new URL('./fixtures/agent-service.ts', import.meta.url).pathname,
    env: { OPENAI_BASE_URL: model.openaiBaseUrl, MODEL: 'gpt-test' },
  });
  await restate.register({ url: service.url });
  await service.armCrash('after-refund');
  const crashed = service.crashed();
  const { invocationId } = await restate.send({ service: 'Agent', handler: 'run' }, 'refund A-1');
  await crashed; // the process died for real, right after the refund was journaled
  await service.restart();
  expect(await restate.attach(invocationId)).toBe('Refunded.');
  expect(model.requestsFor('gpt-test').map((r) => r.turnIndex)).toEqual([0, 1]); // nothing paid twice
  await service.stop();
  await model.close();
});
