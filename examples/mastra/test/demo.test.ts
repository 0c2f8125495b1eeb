import { verifyDemo } from '@restate-agents/example-demo';
import { expect, it } from 'vitest';

it('the Mastra agent survives a SIGKILL after the refund with nothing repeated', async () => {
  const summary = await verifyDemo('mastra');
  expect(summary.modelCallsReplayed).toBe(2);
});
