import assert from 'node:assert/strict';
import { CONFORMANCE_TOOLS, CRASH_AFTER_SIDE_EFFECT } from '../contract.js';
import { assertEachTurnRequestedOnce, recordedIds } from '../expectations.js';
import type { Scenario } from './scenario.js';

export const crashMidLoop: Scenario = {
  name: 'crash-mid-loop',
  title:
    'SIGKILL mid-loop, restart: no completed model request repeated, every side effect exactly once',
  exclusive: true,
  async run(context) {
    context.script([
      { toolCalls: [{ name: CONFORMANCE_TOOLS.record, arguments: { id: 'one' } }] },
      { toolCalls: [{ name: CONFORMANCE_TOOLS.record, arguments: { id: 'two' } }] },
      { toolCalls: [{ name: CONFORMANCE_TOOLS.record, arguments: { id: 'three' } }] },
      { text: 'All three recorded.' },
    ]);
    await context.service.armCrash(CRASH_AFTER_SIDE_EFFECT, 2);
    const crashed = context.service.crashed();
    const invocationId = await context.start({ prompt: 'record one, two, three' });
    const report = await crashed;
    assert.equal(report.point, CRASH_AFTER_SIDE_EFFECT);
    assert.equal(context.service.running, false, 'the service process is dead');
    await context.service.restart();
    const output = await context.result(invocationId);
    assert.equal(output.text, 'All three recorded.');
    assert.deepEqual(recordedIds(context.ledger, context.session), ['one', 'two', 'three']);
    assertEachTurnRequestedOnce(context.model.requestsFor(context.session), 4);
  },
};
