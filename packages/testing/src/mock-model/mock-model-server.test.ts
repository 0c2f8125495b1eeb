import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MockModelServer } from './mock-model-server.js';
import { startMockModel } from './mock-model-server.js';
import type { MockRequest } from './types.js';

let mock: MockModelServer;
let client: OpenAI;

beforeEach(async () => {
  mock = await startMockModel();
  client = new OpenAI({ baseURL: mock.openaiBaseUrl, apiKey: 'test', maxRetries: 0 });
});

afterEach(async () => {
  await mock.close();
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

const history: OpenAI.Chat.ChatCompletionMessageParam[] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Weather in Oslo?' },
  {
    role: 'assistant',
    content: null,
    tool_calls: [
      {
        id: 'call_0_0',
        type: 'function',
        function: { name: 'getWeather', arguments: '{"city":"Oslo"}' },
      },
    ],
  },
  { role: 'tool', tool_call_id: 'call_0_0', content: 'rain' },
];

describe('startMockModel', () => {
  it('serves the base URLs the SDKs expect', async () => {
    expect(mock.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(mock.openaiBaseUrl).toBe(`${mock.url}/v1`);
    expect(mock.anthropicBaseUrl).toBe(mock.url);
  });

  it('derives turnIndex from the history, so a re-sent request gets the same turn and the next attempt', async () => {
    mock.conversation('conv-resend', [{ text: 'turn zero' }, { text: 'turn one' }]);

    const first = await client.chat.completions.create({ model: 'conv-resend', messages: history });
    const again = await client.chat.completions.create({ model: 'conv-resend', messages: history });

    expect(first.choices[0]?.message.content).toBe('turn one');
    expect(again.choices[0]?.message.content).toBe('turn one');
    expect(again.id).toBe(first.id);
    expect(
      mock.requestsFor('conv-resend').map((record) => [record.turnIndex, record.attempt]),
    ).toEqual([
      [1, 1],
      [1, 2],
    ]);
  });

  it('logs the normalised request', async () => {
    mock.conversation('conv-log', [{ text: 'zero' }, { text: 'one' }]);
    const before = Date.now();

    await client.chat.completions.create({
      model: 'conv-log',
      messages: history,
      tools: [{ type: 'function', function: { name: 'getWeather', parameters: {} } }],
    });

    expect(mock.requests).toHaveLength(1);
    const record = mock.requests[0];
    expect(record).toMatchObject({
      conversation: 'conv-log',
      api: 'chat',
      stream: false,
      turnIndex: 1,
      attempt: 1,
      outcome: 'answered',
      lastToolResult: 'rain',
      tools: ['getWeather'],
      messages: [
        { role: 'system', text: 'You are terse.' },
        { role: 'user', text: 'Weather in Oslo?' },
        {
          role: 'assistant',
          toolCalls: [{ id: 'call_0_0', name: 'getWeather', arguments: '{"city":"Oslo"}' }],
        },
        { role: 'tool', toolCallId: 'call_0_0', text: 'rain' },
      ],
    });
    expect(record?.body).toMatchObject({ model: 'conv-log', messages: history });
    expect(record?.receivedAt).toBeGreaterThanOrEqual(before);
    expect(record?.fault).toBeUndefined();
  });

  it('calls function scripts with the request, so they can answer by the last tool result', async () => {
    const seen: MockRequest[] = [];
    mock.conversation('conv-function', async (request) => {
      seen.push(request);
      if (request.lastToolResult === undefined) {
        return { toolCalls: [{ name: 'getWeather', arguments: { city: 'Oslo' } }] };
      }
      return { text: `The weather is ${request.lastToolResult}.` };
    });

    const first = await client.chat.completions.create({
      model: 'conv-function',
      messages: history.slice(0, 2),
    });
    const second = await client.chat.completions.create({
      model: 'conv-function',
      messages: history,
    });

    expect(first.choices[0]?.message.tool_calls?.[0]).toMatchObject({ id: 'call_0_0' });
    expect(second.choices[0]?.message.content).toBe('The weather is rain.');
    expect(seen.map((request) => [request.turnIndex, request.attempt])).toEqual([
      [0, 1],
      [1, 1],
    ]);
  });

  it('applies faults a function script returns by attempt', async () => {
    mock.conversation('conv-function-fault', () => ({
      text: 'ok',
      faults: [{ kind: 'status', status: 429 }],
    }));
    const request = { model: 'conv-function-fault', messages: history.slice(0, 2) };

    await expect(client.chat.completions.create(request)).rejects.toBeInstanceOf(
      OpenAI.RateLimitError,
    );
    const completion = await client.chat.completions.create(request);

    expect(completion.choices[0]?.message.content).toBe('ok');
  });

  it('keeps conversations, their turns and their attempts apart', async () => {
    mock.conversation('conv-a', [{ text: 'from a', faults: [{ kind: 'status', status: 500 }] }]);
    mock.conversation('conv-b', [{ text: 'from b' }]);
    const messages = history.slice(0, 2);

    await expect(client.chat.completions.create({ model: 'conv-a', messages })).rejects.toThrow();
    const b = await client.chat.completions.create({ model: 'conv-b', messages });
    const a = await client.chat.completions.create({ model: 'conv-a', messages });

    expect(b.choices[0]?.message.content).toBe('from b');
    expect(a.choices[0]?.message.content).toBe('from a');
    expect(mock.requestsFor('conv-a').map((record) => record.attempt)).toEqual([1, 2]);
    expect(mock.requestsFor('conv-b').map((record) => record.attempt)).toEqual([1]);
    expect(mock.requests.map((record) => record.conversation)).toEqual([
      'conv-a',
      'conv-b',
      'conv-a',
    ]);
  });

  it('routes by the x-mock-conversation header before the model', async () => {
    mock.conversation('conv-header', [{ text: 'by header' }]);

    const completion = await client.chat.completions.create(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] },
      { headers: { 'x-mock-conversation': 'conv-header' } },
    );

    expect(completion.choices[0]?.message.content).toBe('by header');
    expect(completion.model).toBe('gpt-4o');
  });

  it('answers 404 naming an unknown conversation, or uses the default script', async () => {
    mock.conversation('conv-known', [{ text: 'hi' }]);

    const error = await rejection(
      client.chat.completions.create({
        model: 'conv-unknown',
        messages: [{ role: 'user', content: 'Hi' }],
      }),
    );

    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as Error).message).toContain('no script for conversation "conv-unknown"');
    expect((error as Error).message).toContain('"conv-known"');
    expect(mock.requests[0]?.outcome).toBe('no-script');

    const withDefault = await startMockModel({ defaultScript: [{ text: 'default reply' }] });
    try {
      const fallback = new OpenAI({
        baseURL: withDefault.openaiBaseUrl,
        apiKey: 'test',
        maxRetries: 0,
      });
      const completion = await fallback.chat.completions.create({
        model: 'anything',
        messages: [{ role: 'user', content: 'Hi' }],
      });
      expect(completion.choices[0]?.message.content).toBe('default reply');
    } finally {
      await withDefault.close();
    }
  });

  it('answers 400 naming conversation and turn when the script is exhausted', async () => {
    mock.conversation('conv-short', [{ text: 'only turn' }]);

    const error = await rejection(
      client.chat.completions.create({ model: 'conv-short', messages: history }),
    );

    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain('conversation "conv-short" has 1 turn(s)');
    expect((error as Error).message).toContain('turn index 1');
    expect(mock.requests[0]).toMatchObject({ outcome: 'no-script', turnIndex: 1 });
  });

  it('answers 500 with the message when a function script throws', async () => {
    mock.conversation('conv-throws', () => {
      throw new Error('script bug');
    });

    const error = await rejection(
      client.chat.completions.create({
        model: 'conv-throws',
        messages: [{ role: 'user', content: 'Hi' }],
      }),
    );

    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as Error).message).toContain('script bug');
    expect(mock.requests[0]?.outcome).toBe('script-error');
  });

  it('rejects bad requests with 400 and logs them', async () => {
    const notJson = await fetch(`${mock.openaiBaseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    });
    const noMessages = await client.chat.completions
      .create({ model: 'conv-x' } as unknown as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming)
      .catch((error: unknown) => error);

    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({
      error: { message: expect.stringContaining('not valid JSON') },
    });
    expect(noMessages).toBeInstanceOf(OpenAI.BadRequestError);
    expect((noMessages as Error).message).toContain('`messages`');
    expect(
      mock.requests.map((record) => [record.outcome, record.conversation, record.attempt]),
    ).toEqual([
      ['bad-request', '', 0],
      ['bad-request', 'conv-x', 0],
    ]);
  });

  it('lists registered conversations as models and answers 404 on unknown routes', async () => {
    mock.conversation('conv-1', [{ text: 'a' }]);
    mock.conversation('conv-2', [{ text: 'b' }]);

    const models = await client.models.list();
    const unknown = await fetch(`${mock.url}/v1/embeddings`, { method: 'POST', body: '{}' });

    expect(models.data.map((model) => model.id)).toEqual(['conv-1', 'conv-2']);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('no route for POST /v1/embeddings');
  });

  it('forgets scripts, attempts and the log on reset', async () => {
    mock.conversation('conv-reset', [
      { text: 'before', faults: [{ kind: 'status', status: 500 }] },
    ]);
    const messages = history.slice(0, 2);
    await expect(
      client.chat.completions.create({ model: 'conv-reset', messages }),
    ).rejects.toThrow();

    mock.reset();
    expect(mock.requests).toHaveLength(0);
    await expect(
      client.chat.completions.create({ model: 'conv-reset', messages }),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    mock.conversation('conv-reset', [{ text: 'after', faults: [{ kind: 'status', status: 500 }] }]);
    await expect(
      client.chat.completions.create({ model: 'conv-reset', messages }),
    ).rejects.toThrow();

    expect(
      mock.requestsFor('conv-reset').map((record) => [record.attempt, record.outcome]),
    ).toEqual([
      [0, 'no-script'],
      [1, 'fault'],
    ]);
  });
});
