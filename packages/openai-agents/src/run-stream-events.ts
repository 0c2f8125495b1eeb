/**
 * The OpenAI Agents SDK's own event stream (`RunStreamEvent`s), read live from the stream log of a
 * `DurableRunner` run with `live` (docs/live-streaming.md, "OpenAI Agents native events"), by any process:
 * a web backend needs no Restate context, only the log's ingress.
 *
 * The log's frames stay UI message chunks (what `createChatHandlers` and `useChat` read). Each native event maps
 * to exactly one frame, so its offset is where a reader resumes:
 * - `start-step` → `raw_model_stream_event` `response_started`; `text-delta` → `output_text_delta` (the live
 *   preview: sealed or retracted by the log's rules, so a delta is shown once or retracted, never twice);
 * - `reset-step` → `{ type: 'restate_retract', segment }`: drop the text deltas of model call `segment` seen
 *   so far (its replacement follows);
 * - a transient `data-openai-agents-event` chunk → the event it carries (`response_done`, every run item, agent
 *   updates): the runner sends one per event from journaled values, and useChat keeps transient data parts out of
 *   the message.
 */
import type {
  ResponseStreamEvent,
  RunItem,
  RunItemStreamEvent,
  RunStreamEvent,
} from '@openai/agents-core';
import type { ReadRequest, StreamChunk, StreamClient } from '@restate-agents/core';

/** The type of the transient UI data chunk that carries one native event in the stream log. */
export const OPENAI_AGENTS_EVENT_CHUNK = 'data-openai-agents-event';

/** A run item as `RunItem.toJSON()` gives it: `{ type: 'tool_call_item', rawItem, agent: { name } }`, … */
export type RunItemJSON = ReturnType<RunItem['toJSON']>;

/** `RunRawModelStreamEvent` as plain data (a `response_done` without the provider's raw body). */
export interface RawModelStreamEventJSON {
  type: 'raw_model_stream_event';
  data: ResponseStreamEvent;
}

/** `RunItemStreamEvent` as plain data: its `item` is `RunItem.toJSON()`. */
export interface RunItemStreamEventJSON {
  type: 'run_item_stream_event';
  name: RunItemStreamEvent['name'];
  item: RunItemJSON;
}

/** `RunAgentUpdatedStreamEvent` as plain data: the agent by name. */
export interface AgentUpdatedStreamEventJSON {
  type: 'agent_updated_stream_event';
  agent: { name: string };
}

/** A `RunStreamEvent` as plain data, as it travels through the stream log. */
export type RunStreamEventJSON =
  | RawModelStreamEventJSON
  | RunItemStreamEventJSON
  | AgentUpdatedStreamEventJSON;

/**
 * The log retracted the live text of model call `segment` (1, 2, … in the turn): a crashed or superseded attempt's
 * partial answer. Drop the `output_text_delta`s of that call seen so far; its journaled answer follows.
 */
export interface RestateRetractEvent {
  type: 'restate_retract';
  segment: number;
}

/** An event read from the stream log, with the offset of the frame it came from (resume at `offset + 1`). */
export type LiveRunStreamEvent = (RunStreamEventJSON | RestateRetractEvent) & { offset: number };

/** Options of {@link runStreamEvents}. */
export interface RunStreamEventsOptions {
  /** First offset wanted (an event's `offset + 1` to resume after it); wins over `turn`. */
  from?: number;
  /** A turn (the agent invocation's id), or `'active'` (default): read it from its start. */
  turn?: string;
  /** Stops reading. */
  signal?: AbortSignal;
  /** Longest long poll of one read (ms; the log's default 20 s). */
  timeoutMs?: number;
}

/** A `RunStreamEvent` (an SDK class instance, or already plain data) as plain data. @internal */
export function runStreamEventJSON(
  event: RunStreamEvent | RunStreamEventJSON,
): RunStreamEventJSON | undefined {
  try {
    if (event.type === 'agent_updated_stream_event') {
      return { type: event.type, agent: { name: event.agent.name } };
    }
    if (event.type === 'run_item_stream_event') {
      // `toJSON()` of the item (and of its agents), through a JSON round trip: plain data, `undefined` left out.
      return { type: event.type, name: event.name, item: plain(event.item) as RunItemJSON };
    }
    if (event.type === 'raw_model_stream_event') {
      const data = event.data;
      if (data.type !== 'response_done') return { type: event.type, data: plain(data) };
      // The provider's raw response body stays out (it can be large; durable models journal none by default).
      const { providerData: _providerData, ...response } = data.response;
      return { type: event.type, data: { type: data.type, response: plain(response) } };
    }
  } catch {
    // Data JSON cannot hold (a BigInt, a cycle): the event is left out, the same way on every replay.
  }
  return undefined;
}

const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** What a reader needs to know of the turn so far to name a retraction's model call. */
interface ReaderState {
  /** The model call the log is in: the number of `start-step` frames of the turn read so far. */
  segment: number;
}

/** The native event a frame stands for, if any (other frames are the UI stream's own bookkeeping). */
function eventOfFrame(
  chunk: StreamChunk,
  state: ReaderState,
): RunStreamEventJSON | RestateRetractEvent | undefined {
  switch (chunk.type) {
    case 'start-step':
      state.segment += 1;
      return { type: 'raw_model_stream_event', data: { type: 'response_started' } };
    case 'text-delta':
      return {
        type: 'raw_model_stream_event',
        data: { type: 'output_text_delta', delta: String(chunk.delta ?? '') },
      };
    case 'reset-step':
      return { type: 'restate_retract', segment: state.segment };
    case OPENAI_AGENTS_EVENT_CHUNK:
      return chunk.data as RunStreamEventJSON;
    default:
      return undefined;
  }
}

/**
 * The OpenAI Agents events of one turn of stream `streamId`, live, as the agent's `DurableRunner` (with `live`)
 * runs: `RunStreamEvent`s as plain data, plus `{ type: 'restate_retract', segment }` where the log retracted a
 * model call's live text. Each carries its frame's `offset`; read on with `{ from: offset + 1 }` after a
 * disconnect (no gap, no duplicate). Ends with the turn; throws the agent's error when the run failed for good.
 *
 * Folding it: append each `output_text_delta`; on `restate_retract`, drop the deltas since that model call's
 * `response_started`. The text is then each journaled answer exactly once.
 *
 * @example
 * const log = streamClient({ ingressUrl: 'http://localhost:8080' });
 * for await (const event of runStreamEvents(log, chatId)) {
 *   if (event.type === 'raw_model_stream_event' && event.data.type === 'output_text_delta') show(event.data.delta);
 *   if (event.type === 'restate_retract') retractCurrentAnswer();
 * }
 */
export async function* runStreamEvents(
  client: StreamClient,
  streamId: string,
  options: RunStreamEventsOptions = {},
): AsyncGenerator<LiveRunStreamEvent, void> {
  if (typeof client?.read !== 'function') {
    throw new TypeError(
      'runStreamEvents: client must be a stream log client (streamClient({ ingressUrl }) of @restate-agents/core)',
    );
  }
  if (typeof streamId !== 'string' || streamId.length === 0) {
    throw new TypeError(
      `runStreamEvents: streamId must be a non-empty string (the stream log's key, normally the chat id), got ${JSON.stringify(streamId)}`,
    );
  }
  const { from, turn, signal, timeoutMs } = options;
  if (from !== undefined && (!Number.isInteger(from) || from < 0)) {
    throw new RangeError(
      `runStreamEvents: from must be a non-negative integer offset, got ${String(from)}`,
    );
  }
  const poll = timeoutMs !== undefined ? { timeoutMs } : {};
  const readOptions = signal ? { signal } : {};
  const state: ReaderState = { segment: 0 };
  let request: ReadRequest =
    from !== undefined
      ? { from, ...(turn !== undefined && { turn }), ...poll }
      : { turn: turn ?? 'active', ...poll };
  let first = true;
  let failure: string | undefined;
  for (;;) {
    const result = await client.read(streamId, request, readOptions);
    if (first && from !== undefined && result.turn && result.turn.start < from) {
      // Resuming mid-turn: the model call a later retraction names is counted from the turn's start.
      state.segment = await countSegments(client, streamId, result.turn.start, from, readOptions);
    }
    first = false;
    for (const [i, chunk] of result.chunks.entries()) {
      if (chunk.type === 'error') failure = String(chunk.errorText ?? 'The agent failed.');
      const event = eventOfFrame(chunk, state);
      if (event) yield { ...event, offset: result.from + i };
    }
    if (result.done || result.none || result.expired) break;
    if (result.turn === undefined && from === undefined) continue; // the turn has not opened yet
    request = {
      from: result.next,
      ...(result.turn && { turn: result.turn.id }),
      ...poll,
    };
  }
  if (failure !== undefined) throw new Error(failure);
}

/** The `start-step` frames in `[start, until)`: what the log holds already, read without waiting. */
async function countSegments(
  client: StreamClient,
  streamId: string,
  start: number,
  until: number,
  options: { signal?: AbortSignal },
): Promise<number> {
  let count = 0;
  let at = start;
  while (at < until) {
    const result = await client.read(streamId, { from: at, timeoutMs: 0 }, options);
    const chunks = result.chunks.slice(0, until - at);
    count += chunks.filter((chunk) => chunk.type === 'start-step').length;
    if (chunks.length === 0 || result.expired) break;
    at += chunks.length;
  }
  return count;
}
