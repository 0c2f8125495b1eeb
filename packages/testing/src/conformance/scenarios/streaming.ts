import assert from 'node:assert/strict';
import { CONFORMANCE_TOOLS } from '../contract.js';
import { assertEachTurnRequestedOnce, recordedIds } from '../expectations.js';
import type { Scenario } from './scenario.js';

export const streamingApi: Scenario = {
  name: 'streaming-api',
  title: "the SDK's streaming API works: each stream requested once, journaled, replayed",
  async run(context) {
    context.script([
      { toolCalls: [{ name: CONFORMANCE_TOOLS.record, arguments: { id: 'streamed' } }] },
      { text: 'A streamed answer, in several pieces, put back together.' },
    ]);
    const output = await context.result(await context.start({ prompt: 'stream it', stream: true }));
    assert.equal(output.text, 'A streamed answer, in several pieces, put back together.');
    assert.deepEqual(recordedIds(context.ledger, context.session), ['streamed']);
    const requests = context.model.requestsFor(context.session);
    assertEachTurnRequestedOnce(requests, 2);
    assert.ok(
      requests.every((request) => request.stream),
      'every model call used the streaming API',
    );
  },
};
