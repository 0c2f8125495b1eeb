import Anthropic from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MockModelServer } from './mock-model-server.js';
import { startMockModel } from './mock-model-server.js';

let mock: MockModelServer;
let client: Anthropic;

beforeEach(async () => {
  mock = await startMockModel();
  client = new Anthropic({ baseURL: mock.anthropicBaseUrl, apiKey: 'test', maxRetries: 0 });
});

afterEach(async () => {
  await mock.close();
});

const weatherTool = {
  name: 'getWeather',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } },
};

describe('anthropic messages', () => {
  it('answers text and tool_use blocks as JSON', async () => {
    mock.conversation('conv-json', [
      {
        text: 'Checking.',
        toolCalls: [{ name: 'getWeather', arguments: { city: 'Oslo' } }],
        usage: { inputTokens: 9, outputTokens: 4 },
      },
    ]);

    const message = await client.messages.create({
      model: 'conv-json',
      max_tokens: 100,
      system: 'You know the weather.',
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      tools: [weatherTool],
    });

    expect(message.id).toBe('msg_conv-json_0');
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual([
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'call_0_0', name: 'getWeather', input: { city: 'Oslo' } },
    ]);
    expect(message.usage).toMatchObject({ input_tokens: 9, output_tokens: 4 });
    expect(mock.requests[0]).toMatchObject({
      api: 'anthropic',
      tools: ['getWeather'],
      messages: [
        { role: 'system', text: 'You know the weather.' },
        { role: 'user', text: 'Weather in Oslo?' },
      ],
    });
  });

  it('streams events that the SDK assembles with finalMessage()', async () => {
    mock.conversation('conv-stream', [
      {
        text: 'Let me look that up for you.',
        toolCalls: [{ name: 'getWeather', arguments: { city: 'Oslo', unit: 'celsius' } }],
        usage: { inputTokens: 12, outputTokens: 6 },
      },
      { text: 'Sunny.', finishReason: 'length' },
    ]);

    const stream = client.messages.stream({
      model: 'conv-stream',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Weather?' }],
      tools: [weatherTool],
    });
    const textDeltas: string[] = [];
    stream.on('text', (delta) => textDeltas.push(delta));
    const first = await stream.finalMessage();

    expect(textDeltas.length).toBeGreaterThan(1);
    expect(textDeltas.join('')).toBe('Let me look that up for you.');
    expect(first.content).toEqual([
      { type: 'text', text: 'Let me look that up for you.' },
      {
        type: 'tool_use',
        id: 'call_0_0',
        name: 'getWeather',
        input: { city: 'Oslo', unit: 'celsius' },
      },
    ]);
    expect(first.stop_reason).toBe('tool_use');
    expect(first.usage).toMatchObject({ input_tokens: 12, output_tokens: 6 });

    const second = await client.messages
      .stream({
        model: 'conv-stream',
        max_tokens: 100,
        messages: [
          { role: 'user', content: 'Weather?' },
          { role: 'assistant', content: first.content },
          {
            role: 'user',
            content: [{ type: 'tool_result', tool_use_id: 'call_0_0', content: 'sunny, 21C' }],
          },
        ],
      })
      .finalMessage();

    expect(second.content).toEqual([{ type: 'text', text: 'Sunny.' }]);
    expect(second.stop_reason).toBe('max_tokens');
    const record = mock.requestsFor('conv-stream')[1];
    expect(record?.turnIndex).toBe(1);
    expect(record?.lastToolResult).toBe('sunny, 21C');
    expect(record?.messages[1]).toEqual({
      role: 'assistant',
      text: 'Let me look that up for you.',
      toolCalls: [
        { id: 'call_0_0', name: 'getWeather', arguments: '{"city":"Oslo","unit":"celsius"}' },
      ],
    });
    expect(record?.messages[2]).toEqual({
      role: 'tool',
      toolCallId: 'call_0_0',
      text: 'sunny, 21C',
    });
  });

  it('sends unparseable tool arguments raw in the stream, so the client sees invalid JSON', async () => {
    mock.conversation('conv-broken-args', [
      { toolCalls: [{ name: 'getWeather', arguments: '{"city": ' }] },
    ]);

    const events: string[] = [];
    const stream = await client.messages.create({
      model: 'conv-broken-args',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Weather?' }],
      stream: true,
    });
    let partialJson = '';
    for await (const event of stream) {
      events.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'input_json_delta') {
        partialJson += event.delta.partial_json;
      }
    }

    expect(partialJson).toBe('{"city": ');
    expect(events[0]).toBe('message_start');
    expect(events.at(-1)).toBe('message_stop');
  });
});
