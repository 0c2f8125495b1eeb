import {
  Agent,
  RunItemStreamEvent,
  RunRawModelStreamEvent,
  RunToolCallItem,
  type StreamedRunResult,
} from '@openai/agents-core';
import { describe, expect, it } from 'vitest';
import { type MappableRunEvent, runStreamEvents } from './index.js';
import { runUIMessageStream, uiChunkMapper } from './run-stream-events-ui.js';

const agent = new Agent({ name: 'assistant' });
const call = {
  type: 'function_call' as const,
  callId: 'call_1',
  name: 'lookup',
  arguments: '{"text":"k1"}',
};

async function* source(events: MappableRunEvent[], error?: Error) {
  yield* events;
  if (error) throw error;
}

async function collect(stream: ReadableStream<unknown>): Promise<unknown[]> {
  const chunks: unknown[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('uiChunkMapper', () => {
  it('maps a model call to a step, a retraction to reset-step, and carries run items whole', () => {
    const mapper = uiChunkMapper();
    const chunks = [
      new RunRawModelStreamEvent({ type: 'response_started' }),
      new RunRawModelStreamEvent({ type: 'output_text_delta', delta: 'al' }),
      { type: 'restate_retract', segment: 1 } as const,
      new RunRawModelStreamEvent({ type: 'output_text_delta', delta: 'br' }),
      new RunItemStreamEvent('tool_called', new RunToolCallItem(call, agent)),
    ].flatMap((event) => mapper.map(event));
    expect(chunks).toEqual([
      { type: 'start-step' },
      { type: 'text-start', id: 'text-1' },
      { type: 'text-delta', id: 'text-1', delta: 'al' },
      { type: 'reset-step' },
      { type: 'text-start', id: 'text-1' },
      { type: 'text-delta', id: 'text-1', delta: 'br' },
      {
        type: 'data-openai-agents-event',
        transient: true,
        data: {
          type: 'run_item_stream_event',
          name: 'tool_called',
          item: { type: 'tool_call_item', rawItem: call, agent: { name: 'assistant' } },
        },
      },
      {
        type: 'tool-input-available',
        toolCallId: 'call_1',
        toolName: 'lookup',
        input: { text: 'k1' },
      },
    ]);
    expect(mapper.step).toBe(1);
  });

  it("numbers text parts after the turn's steps already sent (a later run on the same live stream)", () => {
    const mapper = uiChunkMapper(2);
    mapper.map({ type: 'raw_model_stream_event', data: { type: 'response_started' } });
    expect(
      mapper.map({
        type: 'raw_model_stream_event',
        data: { type: 'output_text_delta', delta: 'x' },
      }),
    ).toEqual([
      { type: 'text-start', id: 'text-3' },
      { type: 'text-delta', id: 'text-3', delta: 'x' },
    ]);
  });

  it('leaves the provider body out of a carried response_done', () => {
    const chunks = uiChunkMapper().map({
      type: 'raw_model_stream_event',
      data: {
        type: 'response_done',
        response: { id: 'r1', usage: {} as never, output: [], providerData: { huge: true } },
      },
    });
    expect(chunks.map((chunk) => chunk.type)).toEqual(['data-openai-agents-event', 'finish-step']);
    expect(chunks[0]).toMatchObject({ data: { data: { response: { id: 'r1', output: [] } } } });
    expect(JSON.stringify(chunks)).not.toContain('huge');
  });
});

describe('runUIMessageStream', () => {
  it('starts, skips events that map to nothing, and finishes', async () => {
    const chunks = await collect(
      runUIMessageStream(
        source([
          { type: 'raw_model_stream_event', data: { type: 'model', event: {} } },
          { type: 'raw_model_stream_event', data: { type: 'response_started' } },
          { type: 'raw_model_stream_event', data: { type: 'output_text_delta', delta: 'hi' } },
        ]),
        { messageId: 'm1' },
      ),
    );
    expect(chunks).toEqual([
      { type: 'start', messageId: 'm1' },
      { type: 'start-step' },
      { type: 'text-start', id: 'text-1' },
      { type: 'text-delta', id: 'text-1', delta: 'hi' },
      { type: 'finish-step' },
      { type: 'finish' },
    ]);
  });

  it("ends with an error chunk when the source throws (the run's failure)", async () => {
    const chunks = await collect(runUIMessageStream(source([], new Error('lookup failed'))));
    expect(chunks).toEqual([{ type: 'start' }, { type: 'error', errorText: 'lookup failed' }]);
  });

  it('takes a streamed run result as it is (type check)', () => {
    // biome-ignore lint/suspicious/noExplicitAny: any streamed result.
    const typed = (result: StreamedRunResult<any, any>) => runUIMessageStream(result);
    expect(typed).toBeTypeOf('function');
  });

  it('refuses a source that is not an async iterable, naming it', () => {
    expect(() => runUIMessageStream([] as never)).toThrow(/source must be an async iterable/);
  });
});

describe('runStreamEvents', () => {
  it('refuses a missing client, an empty stream id and a bad offset, naming each', async () => {
    const client = { read: async () => ({ from: 0, next: 0, chunks: [] }) } as never;
    await expect(runStreamEvents({} as never, 'c').next()).rejects.toThrow(/client must be/);
    await expect(runStreamEvents(client, '').next()).rejects.toThrow(/streamId must be/);
    await expect(runStreamEvents(client, 'c', { from: -1 }).next()).rejects.toThrow(
      /from must be a non-negative integer/,
    );
  });
});
