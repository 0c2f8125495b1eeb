import { verifyDemo } from '@restate-agents/example-demo';
import { expect, it } from 'vitest';

it('the LangChain createAgent agent survives a SIGKILL after the refund with nothing repeated', async () => {
  const summary = await verifyDemo('langchain');
  expect(summary.modelCallsReplayed).toBe(2);
});
