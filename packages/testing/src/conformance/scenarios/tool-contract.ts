import assert from 'node:assert/strict';
import { pollUntil } from '../../poll-until.js';
import { CONFORMANCE_TOOLS, GIVE_UP_ATTEMPT } from '../contract.js';
import { assertEachTurnRequestedOnce, expectInvocationFailure } from '../expectations.js';
import type { Scenario } from './scenario.js';

/** The default step cap: the `give_up` tool runs with default step options. */
const DEFAULT_ATTEMPTS = 3;

export const toolStepGivesUp: Scenario = {
  name: 'tool-step-gives-up',
  title:
    'a durable tool failing after its retries hands the model a tool error and the agent finishes; a TerminalError from it ends the run',
  async run(context) {
    // (a) An ordinary error: retried with the cap, then the model reads a tool error and answers.
    context.script((request) =>
      request.turnIndex === 0
        ? {
            toolCalls: [
              {
                name: CONFORMANCE_TOOLS.giveUp,
                arguments: { message: 'inventory service unavailable', terminal: false },
              },
            ],
          }
        : { text: `Sorry, that failed: ${request.lastToolResult ?? '(no tool result)'}` },
    );
    const output = await context.result(await context.start({ prompt: 'check the inventory' }));
    const attempts = context.ledger.entries({ kind: GIVE_UP_ATTEMPT, session: context.session });
    assert.equal(
      attempts.length,
      DEFAULT_ATTEMPTS,
      `the durable tool runs once per attempt, ${DEFAULT_ATTEMPTS} attempts by default`,
    );
    const requests = context.model.requestsFor(context.session);
    assertEachTurnRequestedOnce(requests, 2);
    const toolError = requests[1]?.lastToolResult ?? '';
    assert.match(toolError, /give_up/, `the tool error names the tool: ${toolError}`);
    assert.match(toolError, /inventory service unavailable/, 'and the reason');
    assert.ok(
      output.text.startsWith('Sorry, that failed:'),
      `the agent finished after the tool error, got ${JSON.stringify(output.text)}`,
    );

    // (b) A TerminalError from the durable tool: one attempt, the run ends, the model is not asked again.
    const terminalSession = `${context.session}-terminal`;
    context.model.conversation(terminalSession, [
      {
        toolCalls: [
          {
            name: CONFORMANCE_TOOLS.giveUp,
            arguments: { message: 'card declined', terminal: true },
          },
        ],
      },
      { text: 'The model must never see the terminal error.' },
    ]);
    const failure = await expectInvocationFailure(
      context.result(
        await context.start({ prompt: 'charge the card', model: terminalSession }, terminalSession),
      ),
    );
    assert.match(failure.message, /card declined/);
    assert.notEqual(failure.code, 409, 'a terminal error, not a cancellation');
    assert.equal(
      context.ledger.entries({ kind: GIVE_UP_ATTEMPT, session: terminalSession }).length,
      1,
      'a TerminalError is not retried',
    );
    assert.equal(
      context.model.requestsFor(terminalSession).length,
      1,
      'no model call after the terminal error',
    );
  },
};

/** The attempt timeout the scenario asks for; long enough for a model call on a busy machine. */
const ATTEMPT_TIMEOUT_MS = 1500;

export const attemptAborted: Scenario = {
  name: 'attempt-aborted',
  title:
    'a model request still hanging when its attempt ends is aborted (the connection is closed) and the retry answers',
  async run(context) {
    context.script([{ text: 'Answer from the retry.', faults: [{ kind: 'hang' }] }]);
    const started = Date.now();
    const output = await context.result(
      await context.start({ prompt: 'hello', modelAttemptTimeoutMs: ATTEMPT_TIMEOUT_MS }),
    );
    assert.equal(output.text, 'Answer from the retry.', "the retry's answer is the one journaled");
    const requests = context.model.requestsFor(context.session);
    assert.equal(requests.length, 2, 'the hung request and the retry');
    const [hung, retry] = requests;
    assert.equal(hung?.fault, 'hang');
    // The client closes the hung request when the attempt's signal aborts; allow for a busy machine.
    const closedAt = await pollUntil(async () => hung?.clientClosedAt, {
      timeoutMs: 10_000,
      description:
        'the client closing the hung model request (the attempt signal was not passed on?)',
    });
    assert.ok(
      closedAt - (hung?.receivedAt ?? started) < ATTEMPT_TIMEOUT_MS + 5000,
      `the hung request was closed ${closedAt - (hung?.receivedAt ?? started)} ms after it came in`,
    );
    assert.ok(
      retry !== undefined && closedAt <= retry.receivedAt + 1000,
      'the hung request was aborted when its attempt ended, not left running beside the retry',
    );
  },
};
