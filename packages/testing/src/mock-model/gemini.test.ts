import { ApiError, type Content, GoogleGenAI, Type } from '@google/genai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GEMINI_UNPARSED_ARGUMENTS_KEY } from './gemini.js';
import type { MockModelServer } from './mock-model-server.js';
import { startMockModel } from './mock-model-server.js';

let mock: MockModelServer;
let client: GoogleGenAI;

beforeEach(async () => {
  mock = await startMockModel();
  client = new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: mock.geminiBaseUrl } });
});

afterEach(async () => {
  await mock.close();
});

const weatherTool = {
  functionDeclarations: [
    {
      name: 'getWeather',
      parameters: { type: Type.OBJECT, properties: { city: { type: Type.STRING } } },
    },
  ],
};

describe('gemini generateContent', () => {
  it('answers a text turn with the model from the path, deterministic ids and usage', async () => {
    mock.conversation('conv-text', [
      { text: 'Hello there', usage: { inputTokens: 7, outputTokens: 3 } },
    ]);

    const response = await client.models.generateContent({ model: 'conv-text', contents: 'Hi' });

    expect(response.text).toBe('Hello there');
    expect(response.candidates?.[0]?.finishReason).toBe('STOP');
    expect(response.responseId).toBe('gemini-conv-text-0');
    expect(response.modelVersion).toBe('conv-text');
    expect(response.usageMetadata).toMatchObject({
      promptTokenCount: 7,
      candidatesTokenCount: 3,
      totalTokenCount: 10,
    });
    const [request] = mock.requestsFor('conv-text');
    expect(request).toMatchObject({ api: 'gemini', stream: false, turnIndex: 0, attempt: 1 });
    expect(request?.messages).toEqual([{ role: 'user', text: 'Hi' }]);
  });

  it('answers function calls with object args and no ids; malformed args fail a schema', async () => {
    mock.conversation('conv-tools', [
      {
        text: 'Checking.',
        toolCalls: [
          { name: 'getWeather', arguments: { city: 'Oslo' } },
          { name: 'getWeather', arguments: '{"city": "Ber' },
        ],
      },
    ]);

    const response = await client.models.generateContent({
      model: 'conv-tools',
      contents: 'Weather?',
      config: { tools: [weatherTool] },
    });

    expect(response.functionCalls).toEqual([
      { name: 'getWeather', args: { city: 'Oslo' } },
      { name: 'getWeather', args: { [GEMINI_UNPARSED_ARGUMENTS_KEY]: '{"city": "Ber' } },
    ]);
    expect(response.candidates?.[0]?.content?.parts?.[0]).toEqual({ text: 'Checking.' });
    expect(mock.requestsFor('conv-tools')[0]?.tools).toEqual(['getWeather']);
  });

  it('normalises the history: system instruction, model turns, function responses', async () => {
    mock.conversation('conv-history', (request) => ({
      text: `turn ${request.turnIndex}, last tool result ${request.lastToolResult}`,
    }));
    const contents: Content[] = [
      { role: 'user', parts: [{ text: 'Weather in Oslo and Bergen?' }] },
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'getWeather', args: { city: 'Oslo' } } },
          { functionCall: { name: 'getWeather', args: { city: 'Bergen' } } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'getWeather', response: { result: 'sunny' } } },
          { functionResponse: { name: 'getWeather', response: { result: 'rain' } } },
        ],
      },
    ];

    const response = await client.models.generateContent({
      model: 'conv-history',
      contents,
      config: { systemInstruction: 'Be brief.', tools: [weatherTool] },
    });

    expect(response.text).toBe('turn 1, last tool result {"result":"rain"}');
    const [request] = mock.requestsFor('conv-history');
    expect(request?.messages).toEqual([
      { role: 'system', text: 'Be brief.' },
      { role: 'user', text: 'Weather in Oslo and Bergen?' },
      {
        role: 'assistant',
        toolCalls: [
          { id: '', name: 'getWeather', arguments: '{"city":"Oslo"}' },
          { id: '', name: 'getWeather', arguments: '{"city":"Bergen"}' },
        ],
      },
      { role: 'tool', text: '{"result":"sunny"}', toolCallId: 'getWeather' },
      { role: 'tool', text: '{"result":"rain"}', toolCallId: 'getWeather' },
    ]);
  });

  it('streams text in pieces and a function call whole, finish reason and usage last', async () => {
    mock.conversation('conv-stream', [
      { text: 'A streamed answer in several pieces.' },
      { toolCalls: [{ name: 'getWeather', arguments: { city: 'Oslo' } }] },
    ]);

    const chunks = [];
    for await (const chunk of await client.models.generateContentStream({
      model: 'conv-stream',
      contents: 'stream',
    })) {
      chunks.push(chunk);
    }
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.map((chunk) => chunk.text).join('')).toBe('A streamed answer in several pieces.');
    expect(chunks.at(-1)?.candidates?.[0]?.finishReason).toBe('STOP');
    expect(chunks.at(-1)?.usageMetadata?.totalTokenCount).toBeGreaterThan(0);
    expect(chunks.slice(0, -1).every((chunk) => chunk.usageMetadata === undefined)).toBe(true);

    const toolChunks = [];
    for await (const chunk of await client.models.generateContentStream({
      model: 'conv-stream',
      contents: [
        { role: 'user', parts: [{ text: 'stream' }] },
        { role: 'model', parts: [{ text: 'A streamed answer in several pieces.' }] },
        { role: 'user', parts: [{ text: 'now the weather' }] },
      ],
    })) {
      toolChunks.push(chunk);
    }
    expect(toolChunks).toHaveLength(1);
    expect(toolChunks[0]?.functionCalls).toEqual([{ name: 'getWeather', args: { city: 'Oslo' } }]);
    expect(mock.requestsFor('conv-stream').map((r) => [r.stream, r.turnIndex])).toEqual([
      [true, 0],
      [true, 1],
    ]);
  });

  it('streams parallel function calls in one frame, as Gemini does', async () => {
    mock.conversation('conv-parallel', [
      {
        text: 'Checking both.',
        toolCalls: [
          { name: 'getWeather', arguments: { city: 'Oslo' } },
          { name: 'getWeather', arguments: { city: 'Bergen' } },
        ],
      },
    ]);
    const chunks = [];
    for await (const chunk of await client.models.generateContentStream({
      model: 'conv-parallel',
      contents: 'both',
    })) {
      chunks.push(chunk);
    }
    const withCalls = chunks.filter((chunk) => (chunk.functionCalls?.length ?? 0) > 0);
    expect(withCalls).toHaveLength(1);
    expect(withCalls[0]?.functionCalls).toEqual([
      { name: 'getWeather', args: { city: 'Oslo' } },
      { name: 'getWeather', args: { city: 'Bergen' } },
    ]);
    expect(withCalls[0]).toBe(chunks.at(-1));
  });

  it('answers faults with Gemini error JSON, retry-after as a RetryInfo detail', async () => {
    mock.conversation('conv-429', [
      {
        text: 'after the limit',
        faults: [
          { kind: 'status', status: 429, headers: { 'retry-after': '7' } },
          { kind: 'status', status: 401 },
        ],
      },
    ]);

    const call = () => client.models.generateContent({ model: 'conv-429', contents: 'Hi' });
    const rateLimited = await call().catch((error: unknown) => error);
    expect(rateLimited).toBeInstanceOf(ApiError);
    expect((rateLimited as ApiError).status).toBe(429);
    expect(JSON.parse((rateLimited as ApiError).message)).toMatchObject({
      error: {
        code: 429,
        status: 'RESOURCE_EXHAUSTED',
        details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7s' }],
      },
    });
    const unauthenticated = (await call().catch((error: unknown) => error)) as ApiError;
    expect(unauthenticated.status).toBe(401);
    expect(JSON.parse(unauthenticated.message).error).not.toHaveProperty('details');
    expect(JSON.parse(unauthenticated.message).error.status).toBe('UNAUTHENTICATED');
    expect((await call()).text).toBe('after the limit');
  });

  it('routes only the model routes and rejects a request without contents', async () => {
    const notFound = await fetch(`${mock.url}/v1beta/models/x:countTokens`, {
      method: 'POST',
      body: '{}',
    });
    expect(notFound.status).toBe(404);
    mock.conversation('conv-bad', [{ text: 'never' }]);
    const bad = await fetch(`${mock.url}/v1beta/models/conv-bad:generateContent`, {
      method: 'POST',
      body: '{}',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(
      /without a `contents` array/,
    );
  });
});
