import { verifyDemo } from '@restate-agents/example-demo';
import { expect, it } from 'vitest';

it('the plain Anthropic agent survives a SIGKILL after the refund with nothing repeated', async () => {
  const summary = await verifyDemo('anthropic');
  expect(summary.modelCallsReplayed).toBe(2);
});
