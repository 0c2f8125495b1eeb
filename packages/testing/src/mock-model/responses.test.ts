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
  name: 'getWeather',
  parameters: { type: 'object', properties: { city: { type: 'string' } } },
  strict: false,
} as const;

describe('responses', () => {
  it('answers text and function calls as JSON', async () => {
    mock.conversation('conv-json', [
      {
        text: 'Checking.',
        toolCalls: [{ name: 'getWeather', arguments: { city: 'Oslo' } }],
        usage: { inputTokens: 4, outputTokens: 2 },
      },
    ]);

    const response = await client.responses.create({
      model: 'conv-json',
      input: 'Weather in Oslo?',
      tools: [weatherTool],
    });

    expect(response.id).toBe('resp_conv-json_0');
    expect(response.status).toBe('completed');
    expect(response.output_text).toBe('Checking.');
    expect(response.output).toEqual([
      expect.objectContaining({ type: 'message', role: 'assistant', id: 'msg_conv-json_0' }),
      expect.objectContaining({
        type: 'function_call',
        call_id: 'call_0_0',
        name: 'getWeather',
        arguments: '{"city":"Oslo"}',
      }),
    ]);
    expect(response.usage).toMatchObject({ input_tokens: 4, output_tokens: 2, total_tokens: 6 });
    expect(mock.requests[0]).toMatchObject({
      api: 'responses',
      tools: ['getWeather'],
      messages: [{ role: 'user', text: 'Weather in Oslo?' }],
    });
  });

  it('streams the real event sequence', async () => {
    mock.conversation('conv-events', [
      {
        text: 'Sunny and warm today.',
        toolCalls: [{ name: 'getWeather', arguments: { city: 'Oslo' } }],
      },
    ]);

    const stream = await client.responses.create({
      model: 'conv-events',
      input: 'Weather?',
      stream: true,
    });
    const types: string[] = [];
    let text = '';
    let callArguments = '';
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.function_call_arguments.delta') callArguments += event.delta;
      if (event.type === 'response.completed') completed = event.response;
    }

    const distinct = types.filter((type, index) => type !== types[index - 1]);
    expect(distinct).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(types.filter((type) => type === 'response.output_text.delta').length).toBeGreaterThan(1);
    expect(text).toBe('Sunny and warm today.');
    expect(callArguments).toBe('{"city":"Oslo"}');
    expect(completed?.output).toHaveLength(2);
  });

  it('passes the SDK stream helper, which validates item ids and ordering', async () => {
    mock.conversation('conv-helper', [
      {
        toolCalls: [
          { name: 'getWeather', arguments: { city: 'Oslo' } },
          { name: 'getTime', arguments: {} },
        ],
      },
      { text: 'Done: sunny, noon.' },
    ]);

    const first = await client.responses
      .stream({ model: 'conv-helper', input: 'Weather and time?' })
      .finalResponse();
    expect(first.output.map((item) => item.type === 'function_call' && item.call_id)).toEqual([
      'call_0_0',
      'call_0_1',
    ]);

    const calls = first.output.flatMap((item) => (item.type === 'function_call' ? [item] : []));
    const second = await client.responses
      .stream({
        model: 'conv-helper',
        // As clients send it: the turn's calls together, then their outputs.
        input: [
          { role: 'user', content: 'Weather and time?' },
          ...calls.map(({ call_id, name, arguments: callArguments }) => ({
            type: 'function_call' as const,
            call_id,
            name,
            arguments: callArguments,
          })),
          ...calls.map((call) => ({
            type: 'function_call_output' as const,
            call_id: call.call_id,
            output: `${call.name} ok`,
          })),
        ],
      })
      .finalResponse();
    expect(second.output_text).toBe('Done: sunny, noon.');
    // Two consecutive function_call items are a single assistant turn.
    expect(mock.requestsFor('conv-helper').map((record) => record.turnIndex)).toEqual([0, 1]);
    expect(mock.requestsFor('conv-helper')[1]?.lastToolResult).toBe('getTime ok');
  });

  it('counts consecutive assistant items as one turn and continues after previous_response_id', async () => {
    mock.conversation('conv-turns', [{ text: 'zero' }, { text: 'one' }, { text: 'two' }]);

    const response = await client.responses.create({
      model: 'conv-turns',
      instructions: 'Be brief.',
      input: [
        { role: 'user', content: 'a' },
        { type: 'reasoning', id: 'rs_1', summary: [] },
        {
          type: 'message',
          role: 'assistant',
          id: 'msg_1',
          status: 'completed',
          content: [{ type: 'output_text', text: 'x', annotations: [] }],
        },
        { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' },
        { type: 'function_call_output', call_id: 'c1', output: 'r1' },
      ],
    });
    expect(response.output_text).toBe('one');

    const followUp = await client.responses.create({
      model: 'conv-turns',
      previous_response_id: response.id,
      input: 'and then?',
    });
    expect(followUp.output_text).toBe('two');
    expect(mock.requestsFor('conv-turns').map((record) => record.turnIndex)).toEqual([1, 2]);
    expect(mock.requestsFor('conv-turns')[0]?.messages[0]).toEqual({
      role: 'system',
      text: 'Be brief.',
    });
  });

  it('reports length as an incomplete response', async () => {
    mock.conversation('conv-length', [{ text: 'cut sho', finishReason: 'length' }]);

    const response = await client.responses
      .stream({ model: 'conv-length', input: 'Long story please' })
      .finalResponse();

    expect(response.status).toBe('incomplete');
    expect(response.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(response.output_text).toBe('cut sho');
  });
});
