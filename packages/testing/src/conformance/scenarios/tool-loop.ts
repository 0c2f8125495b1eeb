import assert from 'node:assert/strict';
import { CONFORMANCE_TOOLS } from '../contract.js';
import { assertEachTurnRequestedOnce, recordedIds } from '../expectations.js';
import type { Scenario } from './scenario.js';

export const multiStepToolLoop: Scenario = {
  name: 'multi-step-tool-loop',
  title: 'model → tool → model → tool → model; each side effect once, each turn requested once',
  async run(context) {
    context.script([
      {
        text: 'Recording a.',
        toolCalls: [{ name: CONFORMANCE_TOOLS.record, arguments: { id: 'a' } }],
      },
      { toolCalls: [{ name: CONFORMANCE_TOOLS.record, arguments: { id: 'b' } }] },
      { text: 'Both recorded.' },
    ]);
    const output = await context.result(await context.start({ prompt: 'record a then b' }));
    assert.equal(output.text, 'Both recorded.');
    assert.deepEqual(recordedIds(context.ledger, context.session), ['a', 'b']);
    const requests = context.model.requestsFor(context.session);
    assertEachTurnRequestedOnce(requests, 3);
    assert.equal(
      requests[2]?.lastToolResult?.includes('recorded b'),
      true,
      'the model saw the tool result',
    );
  },
};

export const twoToolCallsInOneTurn: Scenario = {
  name: 'two-tool-calls-in-one-turn',
  title:
    'two tool calls in one model turn run in model order and replay without a journal mismatch',
  async run(context) {
    context.script([
      {
        toolCalls: [
          { name: CONFORMANCE_TOOLS.record, arguments: { id: 'first' } },
          { name: CONFORMANCE_TOOLS.record, arguments: { id: 'second' } },
        ],
      },
      { text: 'Two recorded.' },
    ]);
    const output = await context.result(
      await context.start({ prompt: 'record two things at once' }),
    );
    assert.equal(output.text, 'Two recorded.');
    assert.deepEqual(recordedIds(context.ledger, context.session), ['first', 'second']);
    const requests = context.model.requestsFor(context.session);
    assertEachTurnRequestedOnce(requests, 2);
    const toolMessages = requests[1]?.messages.filter((message) => message.role === 'tool') ?? [];
    assert.equal(toolMessages.length, 2, 'both tool results went back to the model');
  },
};

export const invalidToolArguments: Scenario = {
  name: 'invalid-tool-arguments',
  title:
    'malformed tool arguments from the model go back to it as an error; nothing runs, nothing fails',
  async run(context) {
    context.script((request) =>
      request.turnIndex === 0
        ? { toolCalls: [{ name: CONFORMANCE_TOOLS.record, arguments: '{"id": "broken' }] }
        : { text: `The tool said: ${request.lastToolResult ?? '(nothing)'}` },
    );
    const output = await context.result(
      await context.start({ prompt: 'record with broken arguments' }),
    );
    assert.deepEqual(recordedIds(context.ledger, context.session), [], 'the tool must not run');
    const requests = context.model.requestsFor(context.session);
    assertEachTurnRequestedOnce(requests, 2);
    const feedback = requests[1]?.lastToolResult ?? '';
    assert.ok(feedback.length > 0, 'the model got an error message as the tool result');
    assert.ok(output.text.startsWith('The tool said:'), `unexpected final text ${output.text}`);
  },
};
