/**
 * The bad-input catalogue: each case feeds the agent something broken — from the model, from its tool
 * calls, from the caller or the approver — and checks two things against a real restate-server, the
 * scripted model and the side-effect ledger: the error is clear (or the agent recovers), and nothing is
 * lost or done twice (the side effect recorded before the bad input is in the ledger exactly once, and the
 * model was asked exactly as often as the rules say).
 */
import {
  InvocationFailedError,
  type Ledger,
  type MockModelServer,
  type MockReply,
  type RestateEnvironment,
  startLedger,
  startMockModel,
  startRestate,
} from '@restate-agents/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAdapterBuilt } from '../src/configs.ts';
import { type BadInputRun, badInputServices } from './bad-input-services.ts';

let restate: RestateEnvironment;
let model: MockModelServer;
let ledger: Ledger;

beforeAll(async () => {
  restate = await startRestate();
  model = await startMockModel();
  ledger = await startLedger();
  await restate.register({ services: badInputServices(model.openaiBaseUrl, ledger.url) });
});

afterAll(async () => {
  await restate?.stop();
  await model?.close();
  await ledger?.close();
});

// Every case has a session (object key and model conversation) of its own and mostly waits on retry back-offs
// and timeouts: the cases of each describe run side by side.
let counter = 0;
type Agent = 'BadInputCore' | 'BadInputAiSdk';

/** A session (object key and model conversation) of its own per case. */
function session(name: string): string {
  counter += 1;
  return `${name.replace(/[^a-z0-9]+/gi, '-')}-${counter}`;
}

async function start(
  agent: Agent,
  key: string,
  script: MockReply[],
  input: Partial<BadInputRun> = {},
): Promise<string> {
  model.conversation(key, script);
  const { invocationId } = await restate.send(
    { service: agent, handler: 'run', key },
    { model: key, prompt: 'go', ...input },
  );
  return invocationId;
}

async function run(
  agent: Agent,
  key: string,
  script: MockReply[],
  input: Partial<BadInputRun> = {},
) {
  return restate.attach<{ text: string }>(await start(agent, key, script, input), {
    timeoutMs: 45_000,
  });
}

async function failure(promise: Promise<unknown>): Promise<InvocationFailedError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InvocationFailedError);
  return error as InvocationFailedError;
}

const recordFirst = (id: string): MockReply => ({
  toolCalls: [{ name: 'record', arguments: { id } }],
});
const records = (key: string) =>
  ledger.entries({ kind: 'record', session: key }).map((entry) => entry.body.id);
const attemptsAt = (key: string, turn: number) =>
  model.requestsFor(key).filter((request) => request.turnIndex === turn).length;

describe.concurrent('model errors (core loop)', () => {
  it.each([
    [400, 'bad-request'],
    [401, 'authentication'],
    [403, 'permission-denied'],
    [404, 'not-found'],
    [413, 'payload-too-large'],
    [422, 'unprocessable'],
  ])(
    '%i is terminal at once, names the status and keeps the earlier side effect',
    async (status, reason) => {
      const key = session(`status-${status}`);
      const error = await failure(
        run('BadInputCore', key, [
          recordFirst('before'),
          { text: 'never', faults: [{ kind: 'status', status }] },
        ]),
      );
      expect(error.code).toBe(500);
      expect(error.message).toContain(
        `Step "openai:chat" failed and will not be retried (${reason} ${status}`,
      );
      expect(attemptsAt(key, 1)).toBe(1);
      expect(records(key)).toEqual(['before']);
    },
  );

  it.each([500, 503])(
    '%i is retried and the run completes with one side effect',
    async (status) => {
      const key = session(`status-${status}`);
      const result = await run('BadInputCore', key, [
        { ...recordFirst('once'), faults: [{ kind: 'status', status }] },
        { text: 'finished' },
      ]);
      expect(result.text).toBe('finished');
      expect(attemptsAt(key, 0)).toBe(2);
      expect(records(key)).toEqual(['once']);
    },
  );

  it('429 waits for retry-after before the next attempt', async () => {
    const key = session('status-429');
    const result = await run('BadInputCore', key, [
      recordFirst('before'),
      {
        text: 'finished',
        faults: [{ kind: 'status', status: 429, headers: { 'retry-after': '1' } }],
      },
    ]);
    expect(result.text).toBe('finished');
    const [first, second] = model.requestsFor(key).filter((request) => request.turnIndex === 1);
    expect((second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(900);
    expect(records(key)).toEqual(['before']);
  });

  it('a 500 with x-should-retry: false is terminal at once', async () => {
    const key = session('should-retry-false');
    const error = await failure(
      run('BadInputCore', key, [
        {
          text: 'x',
          faults: [{ kind: 'status', status: 500, headers: { 'x-should-retry': 'false' } }],
        },
      ]),
    );
    expect(error.message).toContain('will not be retried (server-error 500');
    expect(attemptsAt(key, 0)).toBe(1);
  });

  it('a context-length 400 is terminal with its reason', async () => {
    const key = session('context-length');
    const error = await failure(
      run('BadInputCore', key, [
        {
          text: 'x',
          faults: [
            {
              kind: 'status',
              status: 400,
              body: {
                error: {
                  message: 'maximum context length exceeded',
                  type: 'invalid_request_error',
                  code: 'context_length_exceeded',
                },
              },
            },
          ],
        },
      ]),
    );
    expect(error.message).toContain('will not be retried (context-length 400');
    expect(attemptsAt(key, 0)).toBe(1);
  });

  it('503 on every attempt gives up after exactly the retry cap', async () => {
    const key = session('cap');
    const fault = { kind: 'status' as const, status: 503 };
    const error = await failure(
      run('BadInputCore', key, [
        recordFirst('before'),
        { text: 'x', faults: [fault, fault, fault, fault] },
      ]),
    );
    expect(error.message).toContain('Step "openai:chat" gave up after 3 attempts');
    expect(attemptsAt(key, 1)).toBe(3);
    expect(records(key)).toEqual(['before']);
  });
});

describe.concurrent('broken model responses (core loop)', () => {
  it('malformed JSON is retried and the run completes', async () => {
    const key = session('malformed');
    const result = await run('BadInputCore', key, [
      { text: 'fine', faults: [{ kind: 'malformed-json' }] },
    ]);
    expect(result.text).toBe('fine');
    expect(attemptsAt(key, 0)).toBe(2);
  });

  it('empty choices on every attempt end with a clear error after the cap', async () => {
    const key = session('empty-choices');
    const empty = {
      kind: 'status' as const,
      status: 200,
      body: {
        id: 'chatcmpl-empty',
        object: 'chat.completion',
        created: 1,
        model: key,
        choices: [],
      },
    };
    const error = await failure(
      run('BadInputCore', key, [{ text: 'x', faults: [empty, empty, empty] }]),
    );
    expect(error.message).toContain('gave up after 3 attempts');
    expect(error.message).toContain('The model returned no choices');
    expect(attemptsAt(key, 0)).toBe(3);
  });

  it('an oversized response fails at once naming the step and the limit', async () => {
    const key = session('oversized');
    const error = await failure(
      run(
        'BadInputCore',
        key,
        [recordFirst('before'), { text: 'x', faults: [{ kind: 'oversized', bytes: 300_000 }] }],
        { maxValueBytes: 100_000 },
      ),
    );
    expect(error.message).toMatch(
      /Step "openai:chat" produced \d+ bytes to journal, over the limit of 100000 bytes/,
    );
    expect(attemptsAt(key, 1)).toBe(1);
    expect(records(key)).toEqual(['before']);
  });

  it('a connection reset mid-stream is retried; the stream is journaled once, whole', async () => {
    const key = session('reset-stream');
    const invocationId = await start(
      'BadInputCore',
      key,
      [{ text: 'streamed answer', faults: [{ kind: 'reset' }] }],
      {
        stream: true,
      },
    );
    expect((await restate.attach<{ text: string }>(invocationId)).text).toBe('streamed answer');
    expect(attemptsAt(key, 0)).toBe(2);
    const steps = (await restate.journal(invocationId)).filter(
      (entry) => entry.name === 'openai:chat',
    );
    expect(steps).toHaveLength(1);
  });

  it('a provider hanging past the client timeout is retried as a timeout', async () => {
    const key = session('hang-once');
    const result = await run(
      'BadInputCore',
      key,
      [{ text: 'after the hang', faults: [{ kind: 'hang' }] }],
      {
        timeoutMs: 300,
      },
    );
    expect(result.text).toBe('after the hang');
    expect(attemptsAt(key, 0)).toBe(2);
  });

  it('a provider that always hangs gives up after the cap with a timeout error', async () => {
    const key = session('hang-always');
    const hang = { kind: 'hang' as const };
    const error = await failure(
      run('BadInputCore', key, [recordFirst('before'), { text: 'x', faults: [hang, hang, hang] }], {
        timeoutMs: 300,
      }),
    );
    expect(error.message).toContain('gave up after 3 attempts');
    expect(error.message).toMatch(/timed out/i);
    expect(attemptsAt(key, 1)).toBe(3);
    expect(records(key)).toEqual(['before']);
  });
});

describe.concurrent('bad tool calls (core loop)', () => {
  const toolErrorFor = (key: string) =>
    model.requestsFor(key).find((request) => request.turnIndex === 1)?.lastToolResult;

  it('tool arguments that are not JSON go back to the model as an error', async () => {
    const key = session('args-not-json');
    const result = await run('BadInputCore', key, [
      { toolCalls: [{ name: 'record', arguments: '{"id": "oops' }] },
      { text: 'recovered' },
    ]);
    expect(result.text).toBe('recovered');
    expect(toolErrorFor(key)).toContain('the arguments of "record" are not JSON');
    expect(records(key)).toEqual([]);
  });

  it('a missing required argument goes back to the model naming the field', async () => {
    const key = session('args-missing');
    const result = await run('BadInputCore', key, [
      { toolCalls: [{ name: 'record', arguments: {} }] },
      { text: 'recovered' },
    ]);
    expect(result.text).toBe('recovered');
    expect(toolErrorFor(key)).toMatch(/invalid arguments for "record": id /);
    expect(records(key)).toEqual([]);
  });

  it('an argument of the wrong type goes back to the model', async () => {
    const key = session('args-type');
    await run('BadInputCore', key, [
      { toolCalls: [{ name: 'record', arguments: { id: 42 } }] },
      { text: 'ok' },
    ]);
    expect(toolErrorFor(key)).toMatch(/invalid arguments for "record": id .*string/i);
    expect(records(key)).toEqual([]);
  });

  it('an unknown tool name goes back to the model; the valid call of the same turn still runs once', async () => {
    const key = session('unknown-tool');
    const result = await run('BadInputCore', key, [
      {
        toolCalls: [
          { name: 'delete_everything', arguments: {} },
          { name: 'record', arguments: { id: 'valid' } },
        ],
      },
      { text: 'recovered' },
    ]);
    expect(result.text).toBe('recovered');
    const history =
      model.requestsFor(key).find((request) => request.turnIndex === 1)?.messages ?? [];
    expect(
      history.filter((message) => message.role === 'tool').map((message) => message.text),
    ).toEqual(['Error: unknown tool "delete_everything"', 'recorded valid']);
    expect(records(key)).toEqual(['valid']);
  });

  it('a non-serialisable tool result fails with an error naming the step', async () => {
    const key = session('circular');
    const error = await failure(
      run('BadInputCore', key, [
        { toolCalls: [{ name: 'circular', arguments: { id: 'c1' } }] },
        { text: 'never' },
      ]),
    );
    expect(error.message).toContain('Step "tool:circular"');
    expect(error.message).toMatch(/circular reference/i);
    expect(attemptsAt(key, 1)).toBe(0);
  });

  // A value that cannot be journaled fails the step at once: retrying would repeat the side effect.
  it('a non-serialisable tool result does not repeat the side effect before it', async () => {
    const key = session('circular-once');
    await failure(
      run('BadInputCore', key, [
        { toolCalls: [{ name: 'circular', arguments: { id: 'c3' } }] },
        { text: 'never' },
      ]),
    );
    expect(records(key)).toEqual(['c3']);
  });

  it('cancelling the invocation during a tool ends it with 409 and asks the model nothing more', async () => {
    const key = session('cancel');
    const invocationId = await start('BadInputCore', key, [
      { toolCalls: [{ name: 'slow', arguments: {} }] },
      { text: 'never' },
    ]);
    await ledger.waitFor('event', key);
    await restate.cancel(invocationId);
    const error = await failure(restate.attach(invocationId));
    expect(error.code).toBe(409);
    expect(model.requestsFor(key)).toHaveLength(1);
    expect(ledger.entries({ kind: 'event', session: key })).toHaveLength(1);
  });
});

describe.concurrent('bad input from callers and approvers', () => {
  it('calling the agent without a session key is refused before anything runs', async () => {
    const response = await fetch(`${restate.ingressUrl}/BadInputCore/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'no-key', prompt: 'go' }),
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(await response.text()).not.toBe('');
    expect(model.requestsFor('no-key')).toHaveLength(0);
  });

  it('an input that is not JSON is refused with a clear error', async () => {
    const key = session('bad-body');
    const response = await fetch(`${restate.ingressUrl}/BadInputCore/${key}/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model": ',
    });
    const body = await response.text();
    expect(response.ok).toBe(false);
    expect(body).toMatch(/json|deserial|parse/i);
    expect(model.requestsFor(key)).toHaveLength(0);
  });

  const approvalScript = (key: string): MockReply[] => [
    { toolCalls: [{ name: 'approve', arguments: { action: `${key}-refund` } }] },
    { text: 'handled' },
  ];

  it('an approval resolved with a malformed payload fails clearly and the action is not taken', async () => {
    const key = session('approval-malformed');
    const invocationId = await start('BadInputCore', key, approvalScript(key));
    const request = await ledger.waitFor('approval', key);
    await restate.resolveAwakeable(String(request.body.approvalId), { approved: 'yes please' });
    const error = await failure(restate.attach(invocationId));
    expect(error.message).toContain('which is not a decision');
    expect(error.message).toContain('yes please');
    expect(records(key)).toEqual([]);
  });

  it('an approval resolved twice keeps the first decision and acts once', async () => {
    const key = session('approval-twice');
    const invocationId = await start('BadInputCore', key, approvalScript(key));
    const approvalId = String((await ledger.waitFor('approval', key)).body.approvalId);
    await restate.resolveAwakeable(approvalId, true);
    const second = await restate.resolveAwakeable(approvalId, false).then(
      () => 'accepted',
      (error: unknown) => String(error),
    );
    expect((await restate.attach<{ text: string }>(invocationId)).text).toBe('handled');
    expect(records(key)).toEqual([`${key}-refund`]);
    const toolResult = model
      .requestsFor(key)
      .find((request) => request.turnIndex === 1)?.lastToolResult;
    expect(toolResult).toBe(`approved ${key}-refund`);
    // Restate either refuses the second completion or ignores it; it never reaches the handler.
    expect(['accepted', expect.stringContaining('resolve awakeable')]).toContainEqual(second);
  });

  it('an approval rejected through Restate fails the run with the reason, and the action is not taken', async () => {
    const key = session('approval-rejected');
    const invocationId = await start('BadInputCore', key, approvalScript(key));
    const approvalId = String((await ledger.waitFor('approval', key)).body.approvalId);
    await restate.rejectAwakeable(approvalId, 'approver is away');
    const error = await failure(restate.attach(invocationId));
    expect(error.message).toContain('approver is away');
    expect(records(key)).toEqual([]);
  });
});

describe.runIf(isAdapterBuilt('ai-sdk'))('the same inputs through @restate-agents/ai-sdk', () => {
  it('401 is terminal at once', async () => {
    const key = session('ai-401');
    const error = await failure(
      run('BadInputAiSdk', key, [
        recordFirst('before'),
        { text: 'x', faults: [{ kind: 'status', status: 401 }] },
      ]),
    );
    expect(error.message).toContain('will not be retried (authentication 401');
    expect(attemptsAt(key, 1)).toBe(1);
    expect(records(key)).toEqual(['before']);
  });

  it('429 with retry-after-ms is retried and the side effect happens once', async () => {
    const key = session('ai-429');
    const result = await run('BadInputAiSdk', key, [
      {
        ...recordFirst('once'),
        faults: [{ kind: 'status', status: 429, headers: { 'retry-after-ms': '200' } }],
      },
      { text: 'finished' },
    ]);
    expect(result.text).toBe('finished');
    expect(attemptsAt(key, 0)).toBe(2);
    expect(records(key)).toEqual(['once']);
  });

  it('tool arguments that fail the schema go back to the model, nothing recorded', async () => {
    const key = session('ai-bad-args');
    const result = await run('BadInputAiSdk', key, [
      { toolCalls: [{ name: 'record', arguments: '{"id": 7' }] },
      { text: 'recovered' },
    ]);
    expect(result.text).toBe('recovered');
    expect(attemptsAt(key, 1)).toBe(1);
    expect(records(key)).toEqual([]);
  });

  it('an unknown tool name goes back to the model', async () => {
    const key = session('ai-unknown-tool');
    const result = await run('BadInputAiSdk', key, [
      { toolCalls: [{ name: 'nope', arguments: {} }] },
      { text: 'recovered' },
    ]);
    expect(result.text).toBe('recovered');
    const toolMessage =
      model.requestsFor(key).find((request) => request.turnIndex === 1)?.lastToolResult ?? '';
    expect(toolMessage).toMatch(/nope/);
  });

  it('a non-serialisable tool result fails with an error naming the step', async () => {
    const key = session('ai-circular');
    const error = await failure(
      run('BadInputAiSdk', key, [
        { toolCalls: [{ name: 'circular', arguments: { id: 'c2' } }] },
        { text: 'never' },
      ]),
    );
    expect(error.message).toContain('ai-sdk:tool:circular');
    expect(error.message).toMatch(/circular/i);
    expect(attemptsAt(key, 1)).toBe(0);
  });
});
