/**
 * The OpenAI Agents native event stream of a live `DurableRunner` run (`runStreamEvents`) and its mapping to
 * useChat chunks (`runUIMessageStream`), on a real restate-server: a SIGKILL mid-stream shows one
 * `restate_retract` and then exactly the journaled answer, every run item once; resuming by offset gives no gap
 * and no duplicate; the mapped UI stream folds to the same message as the log's own frames. The agent runs in a
 * child process (live-native-service.ts), the stream log in the test process.
 */
import { fileURLToPath } from 'node:url';
import { agentStreamObject, streamClient } from '@restate-agents/core';
import { useLiveHarness } from '@restate-agents/testing/vitest';
import { readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';
import { describe, expect, it } from 'vitest';
import { type LiveRunStreamEvent, runStreamEvents, runUIMessageStream } from '../src/index.js';

// The stream log in this process, the agent in a child process with a warm standby (a test kills and restarts
// it); fast retries find the restarted service within a second (nothing here asserts on the back-off).
const serviceEntry = fileURLToPath(new URL('./live-native-service.js', import.meta.url));
const live = useLiveHarness({ serviceEntry, streamObject: agentStreamObject(), streamClient });
const { restate, model: mock, service, log } = live;

/** Starts a turn and reads its native events to the end; `onEvent` runs after each one. */
async function turn(
  object: 'NativeChat' | 'NativeReplayChat',
  chatId: string,
  prompt: string,
  onEvent?: (events: LiveRunStreamEvent[]) => Promise<void>,
): Promise<{ invocationId: string; events: LiveRunStreamEvent[]; error?: Error }> {
  const { invocationId } = await restate.send(
    { service: object, key: chatId, handler: 'chat' },
    prompt,
  );
  const events: LiveRunStreamEvent[] = [];
  try {
    for await (const event of runStreamEvents(log, chatId, { turn: invocationId })) {
      events.push(event);
      await onEvent?.(events);
    }
  } catch (error) {
    return { invocationId, events, error: error as Error };
  }
  return { invocationId, events };
}

/** What a native client shows: each model call's text, its deltas dropped again at a retraction. */
function foldText(events: LiveRunStreamEvent[]): string[] {
  const texts: string[] = [];
  for (const event of events) {
    if (event.type === 'restate_retract') texts[event.segment - 1] = '';
    if (event.type !== 'raw_model_stream_event') continue;
    if (event.data.type === 'response_started') texts.push('');
    if (event.data.type === 'output_text_delta') texts[texts.length - 1] += event.data.delta;
  }
  return texts.filter((text) => text !== '');
}

const named = (events: LiveRunStreamEvent[], name: string) =>
  events.filter((event) => event.type === 'run_item_stream_event' && event.name === name);
const raw = (events: LiveRunStreamEvent[], type: string) =>
  events.filter((event) => event.type === 'raw_model_stream_event' && event.data.type === type);
const retracts = (events: LiveRunStreamEvent[]) =>
  events.filter((event) => event.type === 'restate_retract');

/** The message useChat ends with, folded by the AI SDK's own reader. */
async function folded(chunks: AsyncIterable<unknown> | unknown[]): Promise<UIMessage | undefined> {
  const stream = new ReadableStream<UIMessageChunk>({
    async start(controller) {
      for await (const chunk of chunks) controller.enqueue(chunk as UIMessageChunk);
      controller.close();
    },
  });
  let last: UIMessage | undefined;
  for await (const message of readUIMessageStream({ stream, terminateOnError: true }))
    last = message;
  return last;
}

/** The parts of a message without the ids the reader made up. */
const parts = (message: UIMessage | undefined) => message?.parts ?? [];

/** The log's frames of a turn, as `createChatHandlers` serves them. */
async function frames(chatId: string, invocationId: string): Promise<unknown[]> {
  const all: unknown[] = [];
  for await (const frame of log.frames(chatId, { turn: invocationId })) all.push(frame.chunk);
  return all;
}

async function* replay(events: LiveRunStreamEvent[]): AsyncGenerator<LiveRunStreamEvent> {
  yield* events;
}

/** A long reply whose words say which attempt wrote them. */
const reply = (attempt: number): string =>
  Array.from({ length: 24 }, (_, i) => `${attempt === 1 ? 'alpha' : 'bravo'}${i}`).join(' ');

describe('OpenAI Agents native live events', () => {
  it('live native: SIGKILL mid-stream → one restate_retract, the folded text is the journaled answer, each run item once; resume by offset; runUIMessageStream folds like the log', async () => {
    const chatId = 'oa-native-kill';
    // Model call 1 (attempt 1 slow, so the kill lands mid-stream) asks for the tool; model call 2 answers.
    mock.conversation(chatId, (request) =>
      request.turnIndex === 0
        ? {
            text: reply(request.attempt),
            toolCalls: [{ name: 'lookup', arguments: { text: 'k1' } }],
            chunkDelayMs: request.attempt === 1 ? 150 : 10,
          }
        : { text: 'Found it: k1.', chunkDelayMs: 10 },
    );
    let killed = false;
    const { invocationId, events, error } = await turn('NativeChat', chatId, 'hi', async (seen) => {
      if (!killed && raw(seen, 'output_text_delta').length >= 3) {
        killed = true;
        await service.kill();
        void service.restart();
      }
    });
    expect(error).toBeUndefined();
    expect(killed).toBe(true);
    expect(await restate.attach<string>(invocationId)).toBe('Found it: k1.');
    expect(mock.requestsFor(chatId).map((r) => [r.turnIndex, r.attempt])).toEqual([
      [0, 1],
      [0, 2],
      [1, 1],
    ]);

    // One retraction, of model call 1: attempt 1's words before it, none after.
    expect(retracts(events)).toEqual([expect.objectContaining({ segment: 1 })]);
    const at = events.findIndex((event) => event.type === 'restate_retract');
    expect(JSON.stringify(events.slice(0, at))).toContain('alpha0');
    expect(JSON.stringify(events.slice(at))).not.toContain('alpha');
    expect(foldText(events)).toEqual([reply(2), 'Found it: k1.']);

    // Every run item once, as `RunItem.toJSON()` gives it.
    expect(named(events, 'tool_called')).toEqual([
      expect.objectContaining({
        item: expect.objectContaining({
          type: 'tool_call_item',
          rawItem: expect.objectContaining({ type: 'function_call', name: 'lookup' }),
          agent: { name: 'assistant' },
        }),
      }),
    ]);
    expect(named(events, 'tool_output')).toEqual([
      expect.objectContaining({
        item: expect.objectContaining({ type: 'tool_call_output_item', output: 'found k1' }),
      }),
    ]);
    const messages = named(events, 'message_output_created').map((event) =>
      event.type === 'run_item_stream_event'
        ? (event.item.rawItem as { content: { text: string }[] }).content
            .map((c) => c.text)
            .join('')
        : '',
    );
    expect(messages).toEqual([reply(2), 'Found it: k1.']);
    expect(raw(events, 'response_started')).toHaveLength(2);
    expect(raw(events, 'response_done')).toHaveLength(2);
    const offsets = events.map((event) => event.offset);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(new Set(offsets).size).toBe(offsets.length);

    // Resume after any event, before the retraction or after it: exactly the rest, segments included.
    for (const index of [1, at - 1, at + 3, events.length - 2]) {
      const rest: LiveRunStreamEvent[] = [];
      const from = (events[index] as LiveRunStreamEvent).offset + 1;
      for await (const event of runStreamEvents(log, chatId, { from })) rest.push(event);
      expect(rest).toEqual(events.slice(index + 1));
    }

    // The mapped UI stream folds to what the log's frames fold to: the journaled answers, the tool part.
    const mapped = await folded(runUIMessageStream(replay(events)));
    const fromLog = await folded(await frames(chatId, invocationId));
    expect(parts(mapped)).toEqual(parts(fromLog));
    expect(parts(mapped).flatMap((part) => (part.type === 'text' ? [part.text] : []))).toEqual([
      reply(2),
      'Found it: k1.',
    ]);
    expect(parts(mapped).find((part) => part.type === 'tool-lookup')).toMatchObject({
      state: 'output-available',
      input: { text: 'k1' },
      output: 'found k1',
    });
  });

  it('live native (always-replay): a handoff and a tool → no restate_retract, every delta and run item once, runUIMessageStream folds like the log', async () => {
    const chatId = 'oa-native-replay';
    mock.conversation(chatId, [
      { toolCalls: [{ name: 'transfer_to_helper', arguments: {} }] },
      {
        text: 'Let me look that up.',
        toolCalls: [{ name: 'lookup', arguments: { text: 'o7' } }],
        chunkDelayMs: 10,
      },
      { text: 'It is found: o7.', chunkDelayMs: 10 },
    ]);
    const { invocationId, events, error } = await turn('NativeReplayChat', chatId, 'look up o7');
    expect(error).toBeUndefined();
    expect(await restate.attach<string>(invocationId)).toBe('It is found: o7.');
    expect(retracts(events)).toEqual([]);
    const deltas = raw(events, 'output_text_delta').map((event) =>
      event.type === 'raw_model_stream_event' && event.data.type === 'output_text_delta'
        ? event.data.delta
        : '',
    );
    expect(deltas.join('')).toBe('Let me look that up.It is found: o7.');
    expect(foldText(events)).toEqual(['Let me look that up.', 'It is found: o7.']);
    expect(named(events, 'tool_called')).toHaveLength(1);
    expect(named(events, 'tool_output')).toHaveLength(1);
    expect(named(events, 'message_output_created')).toHaveLength(2);
    expect(raw(events, 'response_done')).toHaveLength(3);
    expect(named(events, 'handoff_requested')).toHaveLength(1);
    expect(named(events, 'handoff_occurred')).toEqual([
      expect.objectContaining({
        item: expect.objectContaining({
          type: 'handoff_output_item',
          sourceAgent: { name: 'assistant' },
          targetAgent: { name: 'helper' },
        }),
      }),
    ]);
    expect(events.filter((event) => event.type === 'agent_updated_stream_event')).toEqual([
      expect.objectContaining({ agent: { name: 'helper' } }),
    ]);

    const mapped = await folded(runUIMessageStream(replay(events)));
    expect(parts(mapped)).toEqual(parts(await folded(await frames(chatId, invocationId))));
    expect(parts(mapped).flatMap((part) => (part.type === 'text' ? [part.text] : []))).toEqual([
      'Let me look that up.',
      'It is found: o7.',
    ]);
  });

  it('live native: a run that fails for good → the events end by throwing its error, runUIMessageStream with an error chunk', async () => {
    const chatId = 'oa-native-terminal';
    mock.conversation(chatId, [
      { text: 'Looking.', toolCalls: [{ name: 'lookup', arguments: { text: 'boom' } }] },
    ]);
    const { invocationId, events, error } = await turn('NativeChat', chatId, 'look up boom');
    await expect(restate.attach(invocationId)).rejects.toThrow(/lookup failed for good/);
    expect(error?.message).toContain('lookup failed for good');
    expect(named(events, 'tool_called')).toHaveLength(1);
    const chunks: { type: string; errorText?: string }[] = [];
    const failing = async function* () {
      yield* events;
      throw error;
    };
    for await (const chunk of runUIMessageStream<{ type: string; errorText?: string }>(failing()))
      chunks.push(chunk);
    expect(chunks.at(-1)).toMatchObject({
      type: 'error',
      errorText: expect.stringContaining('lookup failed for good'),
    });
  });
});
