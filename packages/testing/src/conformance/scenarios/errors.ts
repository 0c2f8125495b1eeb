import assert from 'node:assert/strict';
import { CONFORMANCE_TOOLS } from '../contract.js';
import { expectInvocationFailure } from '../expectations.js';
import type { Scenario } from './scenario.js';

const serverError = { kind: 'status', status: 500 } as const;

export const terminalErrorFromTool: Scenario = {
  name: 'terminal-error-from-tool',
  title:
    'a TerminalError thrown by a tool ends the invocation with it; the model is not asked again',
  async run(context) {
    context.script([
      {
        toolCalls: [
          { name: CONFORMANCE_TOOLS.failTerminal, arguments: { message: 'card declined' } },
        ],
      },
      { text: 'The model must never see the terminal error.' },
    ]);
    const failure = await expectInvocationFailure(
      context.result(await context.start({ prompt: 'charge the card' })),
    );
    assert.match(failure.message, /card declined/);
    assert.notEqual(failure.code, 409, 'a terminal error, not a cancellation');
    assert.equal(
      context.model.requestsFor(context.session).length,
      1,
      'no model call after the error',
    );
  },
};

export const retryCapExhausted: Scenario = {
  name: 'retry-cap-exhausted',
  title: 'a model call failing with 500 is attempted exactly 3 times, then the invocation fails',
  async run(context) {
    context.script([
      { text: 'never reached', faults: [serverError, serverError, serverError, serverError] },
    ]);
    const failure = await expectInvocationFailure(
      context.result(await context.start({ prompt: 'hello' })),
    );
    assert.match(failure.message, /3 attempts/);
    assert.equal(
      context.model.requestsFor(context.session).length,
      3,
      'exactly the default cap of 3 attempts',
    );
  },
};

export const nonRetryableStatus: Scenario = {
  name: 'non-retryable-401',
  title: 'a 401 from the provider is attempted once and fails the invocation at once',
  async run(context) {
    context.script([{ text: 'never reached', faults: [{ kind: 'status', status: 401 }] }]);
    const failure = await expectInvocationFailure(
      context.result(await context.start({ prompt: 'hello' })),
    );
    assert.match(failure.message, /401|authentication/i);
    assert.equal(context.model.requestsFor(context.session).length, 1, 'a 401 is never retried');
  },
};

export const retryAfterHonoured: Scenario = {
  name: 'retry-after-honoured',
  title: 'a 429 with retry-after: 1 is retried no sooner than the provider asked',
  async run(context) {
    context.script([
      {
        text: 'Made it after the rate limit.',
        faults: [{ kind: 'status', status: 429, headers: { 'retry-after': '1' } }],
      },
    ]);
    const output = await context.result(await context.start({ prompt: 'hello' }));
    assert.equal(output.text, 'Made it after the rate limit.');
    const [first, second, ...rest] = context.model.requestsFor(context.session);
    assert.ok(first && second, 'two requests: the 429 and the retry');
    assert.equal(rest.length, 0);
    const waited = second.receivedAt - first.receivedAt;
    assert.ok(
      waited >= 1000,
      `the retry came ${waited} ms after the 429, sooner than retry-after: 1`,
    );
  },
};
