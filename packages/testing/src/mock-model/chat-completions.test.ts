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

const weatherTool = {
  type: 'function',
  function: {
    name: 'getWeather',
    parameters: { type: 'object', properties: { city: { type: 'string' } } },
  },
} as const;

describe('chat completions', () => {
  it('answers a text turn as JSON with deterministic ids and usage', async () => {
    mock.conversation('conv-text', [
      { text: 'Hello there', usage: { inputTokens: 7, outputTokens: 3 } },
    ]);

    const completion = await client.chat.completions.create({
      model: 'conv-text',
      messages: [{ role: 'user', content: 'Hi' }],
    });

    expect(completion.id).toBe('chatcmpl-conv-text-0');
    expect(completion.created).toBe(1_700_000_000);
    expect(completion.model).toBe('conv-text');
    expect(completion.choices[0]?.message.content).toBe('Hello there');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({
      prompt_tokens: 7,
      completion_tokens: 3,
      total_tokens: 10,
    });
  });

  it('answers tool calls as JSON, with object arguments serialised and string arguments raw', async () => {
    mock.conversation('conv-tools', [
      {
        toolCalls: [
          { name: 'getWeather', arguments: { city: 'Oslo' } },
          { name: 'getWeather', arguments: '{"city": "Ber', id: 'custom-id' },
        ],
      },
    ]);

    const completion = await client.chat.completions.create({
      model: 'conv-tools',
      messages: [{ role: 'user', content: 'Weather?' }],
      tools: [weatherTool],
    });

    const message = completion.choices[0]?.message;
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(message?.content).toBeNull();
    expect(message?.tool_calls).toEqual([
      {
        id: 'call_0_0',
        type: 'function',
        function: { name: 'getWeather', arguments: '{"city":"Oslo"}' },
      },
      {
        id: 'custom-id',
        type: 'function',
        function: { name: 'getWeather', arguments: '{"city": "Ber' },
      },
    ]);
    expect(mock.requests[0]?.tools).toEqual(['getWeather']);
  });

  it('streams text and tool call deltas that assemble into the scripted turn, then usage', async () => {
    mock.conversation('conv-stream', [
      {
        text: 'Let me check the weather for you.',
        toolCalls: [{ name: 'getWeather', arguments: { city: 'Oslo', unit: 'celsius' } }],
        usage: { inputTokens: 11, outputTokens: 5 },
      },
    ]);

    const stream = await client.chat.completions.create({
      model: 'conv-stream',
      messages: [{ role: 'user', content: 'Weather?' }],
      tools: [weatherTool],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let textChunks = 0;
    const calls: { id?: string; name?: string; arguments: string }[] = [];
    let argumentChunks = 0;
    let finishReason: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      expect(chunk.id).toBe('chatcmpl-conv-stream-0');
      usage = chunk.usage ?? usage;
      const choice = chunk.choices[0];
      if (choice === undefined) {
        continue;
      }
      if (choice.delta.content) {
        text += choice.delta.content;
        textChunks += 1;
      }
      for (const delta of choice.delta.tool_calls ?? []) {
        const call = calls[delta.index] ?? { arguments: '' };
        calls[delta.index] = call;
        call.id ??= delta.id;
        call.name ??= delta.function?.name;
        if (delta.function?.arguments) {
          call.arguments += delta.function.arguments;
          argumentChunks += 1;
        }
      }
      finishReason = choice.finish_reason ?? finishReason;
    }

    expect(text).toBe('Let me check the weather for you.');
    expect(textChunks).toBeGreaterThan(1);
    expect(argumentChunks).toBeGreaterThan(1);
    expect(calls).toEqual([
      { id: 'call_0_0', name: 'getWeather', arguments: '{"city":"Oslo","unit":"celsius"}' },
    ]);
    expect(finishReason).toBe('tool_calls');
    expect(usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 5 });
  });

  it('omits the usage chunk unless include_usage is set', async () => {
    mock.conversation('conv-no-usage', [{ text: 'ok' }]);

    const stream = await client.chat.completions.create({
      model: 'conv-no-usage',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    const chunks = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
    }

    expect(chunks.every((chunk) => chunk.usage === undefined)).toBe(true);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
  });

  it('works with the SDK stream helper, which validates the chunk sequence', async () => {
    mock.conversation('conv-helper', [
      { toolCalls: [{ name: 'getWeather', arguments: { city: 'Oslo' } }] },
      { text: 'It is sunny in Oslo.', finishReason: 'length' },
    ]);

    const first = await client.chat.completions
      .stream({
        model: 'conv-helper',
        messages: [{ role: 'user', content: 'Weather?' }],
        tools: [weatherTool],
      })
      .finalChatCompletion();
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' && call.function).toEqual({
      name: 'getWeather',
      arguments: '{"city":"Oslo"}',
    });

    const second = await client.chat.completions
      .stream({
        model: 'conv-helper',
        messages: [
          { role: 'user', content: 'Weather?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: first.choices[0]?.message.tool_calls ?? [],
          },
          { role: 'tool', tool_call_id: 'call_0_0', content: 'sunny' },
        ],
      })
      .finalChatCompletion();
    expect(second.choices[0]?.message.content).toBe('It is sunny in Oslo.');
    expect(second.choices[0]?.finish_reason).toBe('length');
    expect(mock.requestsFor('conv-helper').map((record) => record.turnIndex)).toEqual([0, 1]);
    expect(mock.requestsFor('conv-helper')[1]?.lastToolResult).toBe('sunny');
  });
});
