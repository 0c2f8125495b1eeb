import { runDemo } from '@restate-agents/example-demo';
import { expect, it } from 'vitest';

it('the OpenAI Agents SDK agent survives a SIGKILL after the refund with nothing repeated', async () => {
  const lines: string[] = [];
  const summary = await runDemo({
    sdk: 'openai-agents',
    print: (line) => lines.push(line),
    approveAfterMs: 50,
  });
  expect(summary.answer).toBe('Refunded €42 for order A-1001 and emailed ada@example.com.');
  expect(summary.crashed).toBe(true);
  expect(summary.sideEffects).toEqual({ refund: 1, email: 1 });
  expect(summary.sideEffectsRepeated).toBe(0);
  expect(summary.modelCallsRepeated).toBe(0);
  expect(lines.join('\n')).toContain('0 side effects repeated.');
});
