import { verifyDemo } from '@restate-agents/example-demo';
import { expect, it } from 'vitest';

it('the Google ADK agent survives a SIGKILL after the refund with nothing repeated', async () => {
  const summary = await verifyDemo('google-adk');
  expect(summary.modelCallsReplayed).toBe(2);
});
