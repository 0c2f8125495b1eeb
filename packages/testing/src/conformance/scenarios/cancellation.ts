import assert from 'node:assert/strict';
import { CONFORMANCE_TOOLS } from '../contract.js';
import { expectInvocationFailure } from '../expectations.js';
import type { Scenario } from './scenario.js';

export const cancellationMidLoop: Scenario = {
  name: 'cancellation-mid-loop',
  title:
    'cancelling while a tool waits ends the invocation as cancelled (409); the model is not asked again',
  async run(context) {
    context.script([
      { toolCalls: [{ name: CONFORMANCE_TOOLS.slow, arguments: {} }] },
      { text: 'A cancelled agent must not get here.' },
    ]);
    const invocationId = await context.start({ prompt: 'do the slow thing' });
    await context.ledger.waitFor('event', context.session);
    await context.restate.cancel(invocationId);
    const failure = await expectInvocationFailure(context.result(invocationId));
    assert.equal(
      failure.code,
      409,
      `expected a cancellation, got ${failure.code}: ${failure.message}`,
    );
    assert.equal(
      context.model.requestsFor(context.session).length,
      1,
      'no model call after cancellation',
    );
  },
};
