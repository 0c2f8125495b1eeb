/**
 * What every example's test checks: the SDK's agent, run through the demo, survives the SIGKILL with the
 * right answer, each side effect exactly once and no completed model call paid twice.
 */
import assert from 'node:assert/strict';
import { type DemoSummary, runDemo } from './run-demo.ts';

export async function verifyDemo(sdk: string): Promise<DemoSummary> {
  const lines: string[] = [];
  const summary = await runDemo({ sdk, print: (line) => lines.push(line), approveAfterMs: 50 });
  const output = `\n${lines.join('\n')}`;
  assert.equal(
    summary.answer,
    'Refunded €42 for order A-1001 and emailed ada@example.com.',
    output,
  );
  assert.equal(summary.crashed, true, `the service should have died at the crash point${output}`);
  assert.deepEqual(summary.sideEffects, { refund: 1, email: 1 }, output);
  assert.equal(summary.sideEffectsRepeated, 0, output);
  assert.equal(summary.modelCallsRepeated, 0, output);
  assert.ok(output.includes('0 side effects repeated.'), output);
  return summary;
}
