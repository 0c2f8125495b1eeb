/**
 * OpenAI Agents `RunStreamEvent`s → useChat UI message chunks: one mapping, used twice. `DurableRunner` with
 * `live` maps its run's events with it into the stream log (what `createChatHandlers` serves), and
 * {@link runUIMessageStream} maps a native stream (from `runStreamEvents`, or any streamed run) with it, so both
 * fold to the same message. Modelled on `@openai/agents-extensions`' `createAiSdkUiMessageStream`, plus the
 * log's retraction: a `restate_retract` becomes `reset-step`, the AI SDK chunk that drops the current step's
 * parts.
 */
import type { RunStreamEvent } from '@openai/agents-core';
import type { StreamChunk } from '@restate-agents/core';
import {
  OPENAI_AGENTS_EVENT_CHUNK,
  type RestateRetractEvent,
  type RunStreamEventJSON,
  runStreamEventJSON,
} from './run-stream-events.js';

/** The id of model call `seg`'s text part: the same in its live preview and in the mapped events. */
export const liveTextId = (seg: number): string => `text-${seg}`;

/** What the mapping takes: the SDK's events (class instances or plain data) and the log's retraction. */
export type MappableRunEvent = RunStreamEvent | RunStreamEventJSON | RestateRetractEvent;

/** A stateful mapping of one run's events to UI chunks, in order. @internal */
export interface UIChunkMapper {
  /** The model call the stream is in (1, 2, …; 0 before the first `response_started`). */
  readonly step: number;
  map(event: MappableRunEvent): StreamChunk[];
}

/** What a run item carries that the mapping reads (the same in the class and in its JSON). */
interface RawItem {
  type?: string;
  callId?: string;
  name?: string;
  arguments?: string;
}

/**
 * A new mapping: each model response is a step (`start-step`, its text part `text-<n>`, `finish-step`); a function
 * tool call is `tool-input-available`, its result `tool-output-available` (the result as the SDK's item JSON
 * gives it: a string); every event but a text delta or a step start also travels whole as a transient
 * `data-openai-agents-event` chunk (what `runStreamEvents` reads back). `firstStep`: the steps already sent in
 * this turn (text ids follow the live preview's step numbers). @internal
 */
export function uiChunkMapper(firstStep = 0): UIChunkMapper {
  let step = firstStep;
  let text = false;
  const carried = (event: RunStreamEvent | RunStreamEventJSON): StreamChunk[] => {
    const data = runStreamEventJSON(event);
    return data ? [{ type: OPENAI_AGENTS_EVENT_CHUNK, data, transient: true }] : [];
  };
  return {
    get step() {
      return step;
    },
    map(event) {
      if (event.type === 'restate_retract') {
        text = false;
        return [{ type: 'reset-step' }];
      }
      if (event.type === 'raw_model_stream_event') {
        const data = event.data;
        if (data.type === 'response_started') {
          step += 1;
          text = false;
          return [{ type: 'start-step' }];
        }
        if (data.type === 'output_text_delta') {
          if (!data.delta) return [];
          const id = liveTextId(step);
          const delta: StreamChunk = { type: 'text-delta', id, delta: data.delta };
          if (text) return [delta];
          text = true;
          return [{ type: 'text-start', id }, delta];
        }
        if (data.type === 'response_done') {
          const chunks: StreamChunk[] = text ? [{ type: 'text-end', id: liveTextId(step) }] : [];
          text = false;
          return [...chunks, ...carried(event), { type: 'finish-step' }];
        }
        // The provider's raw events (`type: 'model'`) are not journaled, so never replayed: left out.
        return [];
      }
      const chunks = carried(event);
      if (event.type !== 'run_item_stream_event') return chunks;
      const item = event.item as { rawItem?: RawItem; output?: unknown };
      const raw = item.rawItem ?? {};
      if (event.name === 'tool_called' && raw.type === 'function_call' && raw.callId) {
        chunks.push({
          type: 'tool-input-available',
          toolCallId: raw.callId,
          toolName: raw.name ?? 'unknown',
          input: parseArguments(raw.arguments),
        });
      } else if (event.name === 'tool_output' && raw.callId) {
        // The carried item's output (`toJSON()` makes it a string): what a reader of the log gets too.
        const output = (chunks[0]?.data as { item?: { output?: unknown } } | undefined)?.item
          ?.output;
        chunks.push({
          type: 'tool-output-available',
          toolCallId: raw.callId,
          output: output ?? null,
        });
      }
      return chunks;
    },
  };
}

function parseArguments(text: string | undefined): unknown {
  if (text === undefined || text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Options of {@link runUIMessageStream}. */
export interface RunUIMessageStreamOptions {
  /** The `start` chunk's message id (default none: the client picks it). */
  messageId?: string;
}

/**
 * A useChat UI message stream (`start`, the steps, `finish`, or an `error` chunk when the source throws) from an
 * OpenAI Agents event stream: `runStreamEvents(...)` of a live `DurableRunner` run (a `restate_retract` becomes
 * `reset-step`), or any streamed run. It maps events as the runner maps them into the stream log, so read from a
 * turn's start it folds to the same message as the log's own frames. Pass the chunk type you use, e.g.
 * `runUIMessageStream<UIMessageChunk>(events)` for `createUIMessageStreamResponse({ stream })` of `ai`.
 *
 * @example
 * const events = runStreamEvents(streamClient({ ingressUrl }), chatId, { turn: invocationId });
 * return createUIMessageStreamResponse({ stream: runUIMessageStream<UIMessageChunk>(events) });
 */
export function runUIMessageStream<Chunk = StreamChunk>(
  source: AsyncIterable<MappableRunEvent>,
  options: RunUIMessageStreamOptions = {},
): ReadableStream<Chunk> {
  if (
    typeof (source as { [Symbol.asyncIterator]?: unknown })?.[Symbol.asyncIterator] !== 'function'
  ) {
    throw new TypeError(
      'runUIMessageStream: source must be an async iterable of OpenAI Agents events (runStreamEvents(...) or a streamed run result)',
    );
  }
  const mapper = uiChunkMapper();
  const iterator = source[Symbol.asyncIterator]();
  let phase: 'start' | 'events' | 'done' = 'start';
  let stepOpen = false;
  return new ReadableStream<Chunk>({
    async pull(controller) {
      const send = (chunk: StreamChunk): void => {
        if (chunk.type === 'start-step') stepOpen = true;
        if (chunk.type === 'finish-step') stepOpen = false;
        controller.enqueue(chunk as Chunk);
      };
      if (phase === 'start') {
        phase = 'events';
        send({
          type: 'start',
          ...(options.messageId !== undefined && { messageId: options.messageId }),
        });
        return;
      }
      if (phase === 'done') return;
      let ending: StreamChunk;
      try {
        // An event may map to no chunk: read on, since a pull that enqueues nothing is not called again.
        for (;;) {
          const next = await iterator.next();
          if (next.done) break;
          const chunks = mapper.map(next.value);
          for (const chunk of chunks) send(chunk);
          if (chunks.length > 0) return;
        }
        ending = { type: 'finish' };
      } catch (error) {
        ending = {
          type: 'error',
          errorText: error instanceof Error ? error.message : String(error),
        };
      }
      phase = 'done';
      if (stepOpen) send({ type: 'finish-step' });
      send(ending);
      controller.close();
    },
    async cancel() {
      phase = 'done';
      await iterator.return?.();
    },
  });
}
