import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MockModelServer } from './mock-model-server.js';
import { startMockModel } from './mock-model-server.js';

let mock: MockModelServer;
let client: OpenAI;

beforeEach(async () => {
  mock = await startMockModel();
  client = new OpenAI({ baseURL: mock.openaiBaseUrl, apiKey: 'test', maxRetries: 0 });
});

afterEach(async () => {
  await mock.close();
});

function ask(conversation: string): Promise<OpenAI.Chat.ChatCompletion> {
  return client.chat.completions.create({
    model: conversation,
    messages: [{ role: 'user', content: 'Hi' }],
  });
}

async function askStreaming(conversation: string): Promise<string> {
  const stream = await client.chat.completions.create({
    model: conversation,
    messages: [{ role: 'user', content: 'Hi' }],
    stream: true,
  });
  let text = '';
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
  }
  return text;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

describe('faults', () => {
  it('surfaces a 429 with retry-after as RateLimitError, then answers the next attempt', async () => {
    mock.conversation('conv-429', [
      {
        text: 'finally',
        faults: [{ kind: 'status', status: 429, headers: { 'retry-after': '2' } }],
      },
    ]);

    const error = await rejection(ask('conv-429'));
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimit = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimit.status).toBe(429);
    expect(rateLimit.headers?.get('retry-after')).toBe('2');
    expect(rateLimit.message).toContain('conv-429');
    expect(rateLimit.error).toMatchObject({ type: 'rate_limit_error' });

    const completion = await ask('conv-429');
    expect(completion.choices[0]?.message.content).toBe('finally');
    expect(
      mock.requestsFor('conv-429').map(({ attempt, turnIndex, outcome, fault }) => ({
        attempt,
        turnIndex,
        outcome,
        fault,
      })),
    ).toEqual([
      { attempt: 1, turnIndex: 0, outcome: 'fault', fault: 'status' },
      { attempt: 2, turnIndex: 0, outcome: 'answered', fault: undefined },
    ]);
  });

  it("lets the SDK's own retries reach the turn: faults apply to successive attempts", async () => {
    mock.conversation('conv-retry', [
      {
        text: 'third time lucky',
        faults: [
          { kind: 'status', status: 500, headers: { 'retry-after-ms': '1' } },
          { kind: 'status', status: 503, headers: { 'retry-after-ms': '1' } },
        ],
      },
    ]);
    const retrying = new OpenAI({ baseURL: mock.openaiBaseUrl, apiKey: 'test', maxRetries: 2 });

    const completion = await retrying.chat.completions.create({
      model: 'conv-retry',
      messages: [{ role: 'user', content: 'Hi' }],
    });

    expect(completion.choices[0]?.message.content).toBe('third time lucky');
    expect(
      mock.requestsFor('conv-retry').map((record) => [record.attempt, record.outcome]),
    ).toEqual([
      [1, 'fault'],
      [2, 'fault'],
      [3, 'answered'],
    ]);
  });

  it('maps 401 to AuthenticationError and sends a custom body as is', async () => {
    mock.conversation('conv-401', [
      {
        text: 'unused',
        faults: [
          { kind: 'status', status: 401, body: { error: { message: 'bad key', type: 'x' } } },
        ],
      },
    ]);

    const error = await rejection(ask('conv-401'));

    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).message).toContain('bad key');
  });

  it("uses Anthropic's error shape on /v1/messages", async () => {
    mock.conversation('conv-anthropic', [
      { text: 'unused', faults: [{ kind: 'status', status: 529 }] },
    ]);
    const anthropic = new Anthropic({
      baseURL: mock.anthropicBaseUrl,
      apiKey: 'test',
      maxRetries: 0,
    });

    const error = await rejection(
      anthropic.messages.create({
        model: 'conv-anthropic',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'Hi' }],
      }),
    );

    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      type: 'error',
      error: { type: 'overloaded_error' },
    });
  });

  it('breaks the connection mid-body on reset, for JSON and for streams', async () => {
    mock.conversation('conv-reset', [
      {
        text: 'a long enough answer to be cut in half',
        faults: [{ kind: 'reset' }, { kind: 'reset' }],
      },
    ]);

    const jsonError = await rejection(ask('conv-reset'));
    const streamError = await rejection(askStreaming('conv-reset'));

    // Headers already arrived, so the SDK does not wrap it: undici's own "terminated" reaches the caller.
    expect(jsonError).toBeInstanceOf(TypeError);
    expect(jsonError).toMatchObject({ message: 'terminated', cause: { code: 'UND_ERR_SOCKET' } });
    expect(streamError).toMatchObject({ message: 'terminated' });
    expect(await askStreaming('conv-reset')).toBe('a long enough answer to be cut in half');
    expect(mock.requestsFor('conv-reset').map((record) => record.fault)).toEqual([
      'reset',
      'reset',
      undefined,
    ]);
  });

  it('answers 200 with an unparseable body on malformed-json', async () => {
    mock.conversation('conv-malformed', [
      { text: 'ok', faults: [{ kind: 'malformed-json' }, { kind: 'malformed-json' }] },
    ]);

    const jsonError = await rejection(ask('conv-malformed'));
    const streamError = await rejection(askStreaming('conv-malformed'));

    expect(jsonError).toBeInstanceOf(SyntaxError);
    expect(streamError).toBeInstanceOf(Error);
    expect(mock.requestsFor('conv-malformed').map((record) => record.outcome)).toEqual([
      'fault',
      'fault',
    ]);
  });

  it('hangs until the client times out, then answers the retry', async () => {
    mock.conversation('conv-hang', [{ text: 'awake', faults: [{ kind: 'hang' }] }]);
    const impatient = new OpenAI({
      baseURL: mock.openaiBaseUrl,
      apiKey: 'test',
      maxRetries: 0,
      timeout: 200,
    });

    const error = await rejection(
      impatient.chat.completions.create({
        model: 'conv-hang',
        messages: [{ role: 'user', content: 'Hi' }],
      }),
    );
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);

    const completion = await impatient.chat.completions.create({
      model: 'conv-hang',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(completion.choices[0]?.message.content).toBe('awake');
  });

  it('records when the client closed a hanging request (an aborted signal), and only then', async () => {
    mock.conversation('conv-abort', [{ text: 'answered', faults: [{ kind: 'hang' }] }]);
    const controller = new AbortController();
    const pending = rejection(
      client.chat.completions.create(
        { model: 'conv-abort', messages: [{ role: 'user', content: 'Hi' }] },
        { signal: controller.signal },
      ),
    );
    await expect.poll(() => mock.requestsFor('conv-abort').length).toBe(1);
    expect(mock.requestsFor('conv-abort')[0]?.clientClosedAt).toBeUndefined();
    const abortedAt = Date.now();
    controller.abort();
    await pending;
    await expect.poll(() => mock.requestsFor('conv-abort')[0]?.clientClosedAt).toBeDefined();
    expect(mock.requestsFor('conv-abort')[0]?.clientClosedAt).toBeGreaterThanOrEqual(abortedAt);

    await ask('conv-abort');
    expect(mock.requestsFor('conv-abort')[1]?.clientClosedAt).toBeUndefined();
  });

  it('does not count its own close() as the client closing', async () => {
    mock.conversation('conv-close', [{ text: 'never', faults: [{ kind: 'hang' }] }]);
    const pending = rejection(ask('conv-close'));
    await expect.poll(() => mock.requests.length).toBe(1);
    await mock.close();
    await pending;
    expect(mock.requestsFor('conv-close')[0]?.clientClosedAt).toBeUndefined();
  });

  it('ends a hanging request when the server closes', async () => {
    mock.conversation('conv-hang-forever', [{ text: 'never', faults: [{ kind: 'hang' }] }]);
    const pending = rejection(ask('conv-hang-forever'));
    await expect.poll(() => mock.requests.length).toBe(1);

    const started = Date.now();
    await mock.close();
    const error = await pending;

    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
  });

  it('delays the answer on a delay fault and on delayMs', async () => {
    mock.conversation('conv-delay', [{ text: 'slow', faults: [{ kind: 'delay', ms: 150 }] }]);
    mock.conversation('conv-delay-ms', [{ text: 'slow too', delayMs: 150 }]);

    const started = Date.now();
    const completion = await ask('conv-delay');
    const delayed = Date.now() - started;
    const second = Date.now();
    const other = await ask('conv-delay-ms');

    expect(delayed).toBeGreaterThanOrEqual(140);
    expect(Date.now() - second).toBeGreaterThanOrEqual(140);
    expect(completion.choices[0]?.message.content).toBe('slow');
    expect(other.choices[0]?.message.content).toBe('slow too');
    expect(mock.requestsFor('conv-delay')[0]).toMatchObject({
      outcome: 'answered',
      fault: 'delay',
    });
  });

  it('answers with text of the requested size on oversized', async () => {
    mock.conversation('conv-big', [
      { text: 'small', faults: [{ kind: 'oversized', bytes: 100_000 }] },
    ]);

    const completion = await ask('conv-big');
    const streamed = await askStreaming('conv-big');

    expect(completion.choices[0]?.message.content).toHaveLength(100_000);
    expect(streamed).toBe('small');
  });
});
