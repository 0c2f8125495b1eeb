/**
 * LangGraph's native stream modes read from the live stream log (docs/live-streaming.md, "LangGraph native
 * stream modes"): `graph.stream(input, { streamMode: ['messages', 'updates'] })`'s `[mode, payload]` tuples,
 * rebuilt from the log's frames by any process that can reach Restate's ingress (a web backend; no Restate
 * context needed), plus a retract marker where the log retracted a model call's live text.
 *
 * Frame → tuple (at most one tuple per frame, so a tuple's `offset` is where a reader resumes):
 * - `text-delta` of a model call in a node → `['messages', [AIMessageChunk, metadata]]` (the live preview,
 *   sealed or retracted by the log's rules, or the answer rebuilt from the journal after a retraction);
 * - `reset-step` → `['restate/retract', { segment, id }]`: drop the chunks of message `id` seen so far;
 * - `data-langgraph-model-end` → the call's closing chunk: the journaled answer's tool calls, usage and
 *   metadata (and its text when none was streamed);
 * - `data-langgraph-message` → `['messages', [message, metadata]]` for a message a node returned without
 *   streaming it (a `ToolNode`'s `ToolMessage`s);
 * - `data-langgraph-updates` → `['updates', { [node]: update }]`, once per finished node.
 */
import { AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import type { ReadRequest, StreamChunk, StreamClient } from '@restate-agents/core';
import { fromWire, GRAPH_CHUNKS, messageFromJson } from './live-graph-wire.js';

/** The stream modes {@link graphStreamEvents} rebuilds. */
export type GraphStreamMode = 'messages' | 'updates';

/** LangGraph's `messages` metadata: `langgraph_node`, `langgraph_step`, `thread_id`, `tags`, `name`, … */
export type GraphMessageMetadata = Record<string, unknown>;

/** A tuple read from the log, with the offset of the frame it came from (resume with `from: offset + 1`). */
export type GraphStreamEvent = (
  | ['messages', [BaseMessage, GraphMessageMetadata]]
  | ['updates', Record<string, unknown>]
  | ['restate/retract', GraphRetract]
) & { readonly offset: number };

/**
 * The log retracted the live text of model call `segment` (1, 2, … in the turn): a crashed or superseded
 * attempt's. Drop the chunks of message `id` seen so far; the journaled answer follows under the same id.
 */
export interface GraphRetract {
  segment: number;
  id: string;
}

/** Options of {@link graphStreamEvents}. */
export interface GraphStreamEventsOptions {
  /** First offset wanted (a tuple's `offset + 1` to resume after it); wins over `turn`. */
  from?: number;
  /** The turn to read from its start: the agent invocation's id, or `'active'` (the default). */
  turn?: string;
  /** Stops reading. */
  signal?: AbortSignal;
  /** The modes wanted (default both); `restate/retract` comes with `messages`. */
  streamMode?: GraphStreamMode | GraphStreamMode[];
}

/** What the reader knows of the turn so far. */
interface ReaderState {
  /** Model steps started in the turn (`start-step` frames), the number a retraction names. */
  segment: number;
  /** The model call whose frames are coming, from its `data-langgraph-model` chunk. */
  model?: {
    id: string;
    top: boolean;
    metadata: GraphMessageMetadata;
    /** Whether text of it was yielded since the last retraction. */
    shown: boolean;
  };
}

/**
 * LangGraph's `messages` and `updates` stream modes of a `durableGraph(ctx, graph, { live })` run, read from
 * the stream log: `[mode, payload]` tuples shaped as `graph.stream(input, { streamMode: ['messages',
 * 'updates'] })` yields them (top-level graph, no subgraphs), plus `['restate/retract', { segment, id }]`.
 * Each tuple carries its frame's `offset`. Ends with the turn; a turn that failed for good throws its error,
 * as `graph.stream` would.
 *
 * Messages are LangChain message instances: the chunks of a model call share one id (`run-<id>`, as LangGraph
 * names a call whose provider gives none), and folding them (`concat`, dropping the id's chunks at a retract)
 * gives the journaled answer's text and tool calls; the message the node returned (in `updates`) keeps the
 * id the journal holds.
 *
 * @example
 * const log = streamClient({ ingressUrl: 'http://localhost:8080' });
 * for await (const event of graphStreamEvents(log, chatId, { turn: invocationId })) {
 *   const [mode, payload] = event;
 *   if (mode === 'messages') process.stdout.write(payload[0].text);
 *   else if (mode === 'restate/retract') dropMessage(payload.id);
 *   else console.log('node done', Object.keys(payload));
 * }
 */
export async function* graphStreamEvents(
  client: StreamClient,
  streamId: string,
  options: GraphStreamEventsOptions = {},
): AsyncGenerator<GraphStreamEvent, void> {
  const modes = new Set<string>(
    options.streamMode === undefined
      ? ['messages', 'updates']
      : Array.isArray(options.streamMode)
        ? options.streamMode
        : [options.streamMode],
  );
  for (const mode of modes) {
    if (mode !== 'messages' && mode !== 'updates') {
      throw new TypeError(
        `graphStreamEvents: streamMode ${JSON.stringify(mode)} is not read from the stream log; use 'messages' and/or 'updates'`,
      );
    }
  }
  const { from, signal } = options;
  let request: ReadRequest = { turn: options.turn ?? 'active' };
  // Frames before `from` are read without yielding: a model call's metadata and the step count come first.
  let quietBelow = 0;
  if (from !== undefined) {
    if (!Number.isInteger(from) || from < 0) {
      throw new RangeError(
        `graphStreamEvents: from must be a non-negative integer offset, got ${String(from)}`,
      );
    }
    const probe = await client.read(
      streamId,
      {
        from,
        timeoutMs: 0,
        ...(options.turn !== undefined && options.turn !== 'active' && { turn: options.turn }),
      },
      signal ? { signal } : {},
    );
    if (probe.expired) {
      throw new Error(
        `graphStreamEvents: offset ${from} of stream ${streamId} has expired (frames are kept for a while after their turn ends)`,
      );
    }
    const turn = probe.turn;
    request =
      turn !== undefined && turn.start < from
        ? { from: turn.start, turn: turn.id }
        : { from, ...(turn && { turn: turn.id }) };
    quietBelow = from;
  }
  const state: ReaderState = { segment: 0 };
  let failure: string | undefined;
  for await (const { offset, chunk } of client.frames(
    streamId,
    request,
    signal ? { signal } : {},
  )) {
    if (chunk.type === 'error') failure = String(chunk.errorText ?? 'The agent failed.');
    const event = toGraphEvent(chunk, state, modes);
    if (event !== undefined && offset >= quietBelow) {
      yield Object.assign(event, { offset }) as GraphStreamEvent;
    }
  }
  if (failure !== undefined) throw new Error(failure);
}

/** The tuple one frame stands for, if any, updating the reader's state. */
function toGraphEvent(
  chunk: StreamChunk,
  state: ReaderState,
  modes: ReadonlySet<string>,
): [string, unknown] | undefined {
  const messages = modes.has('messages');
  const data = chunk.data as Record<string, unknown> | undefined;
  switch (chunk.type) {
    case 'start-step':
      state.segment += 1;
      return undefined;
    case GRAPH_CHUNKS.model: {
      state.model = {
        id: `run-${String(data?.run ?? '')}`,
        top: isTop(data?.ns),
        metadata: (data?.metadata as GraphMessageMetadata | undefined) ?? {},
        shown: false,
      };
      return undefined;
    }
    case 'text-delta': {
      const model = state.model;
      if (!model?.top || !messages || typeof chunk.delta !== 'string') return undefined;
      model.shown = true;
      return [
        'messages',
        [new AIMessageChunk({ content: chunk.delta, id: model.id }), { ...model.metadata }],
      ];
    }
    case 'reset-step': {
      const model = state.model;
      if (!model?.top || !messages) return undefined;
      model.shown = false;
      return ['restate/retract', { segment: state.segment, id: model.id }];
    }
    case GRAPH_CHUNKS.modelEnd: {
      const model = state.model;
      state.model = undefined;
      // No check of `data.run`: a replay sends the end with its own run id, while the log kept the start
      // of the first run. Model calls in a turn are one at a time, so the end is the current call's.
      if (!model?.top || !messages) return undefined;
      return [
        'messages',
        [closingChunk(model.id, data?.message, model.shown), { ...model.metadata }],
      ];
    }
    case GRAPH_CHUNKS.message:
      if (!messages || !isTop(data?.ns)) return undefined;
      return [
        'messages',
        [
          messageFromJson(data?.message),
          (data?.metadata as GraphMessageMetadata | undefined) ?? {},
        ],
      ];
    case GRAPH_CHUNKS.updates:
      if (!modes.has('updates') || !isTop(data?.ns)) return undefined;
      return ['updates', fromWire(data?.updates) as Record<string, unknown>];
    default:
      return undefined;
  }
}

/** Whether a namespace is the top-level graph's (what `graph.stream` without `subgraphs` yields). */
function isTop(ns: unknown): boolean {
  return !Array.isArray(ns) || ns.length === 0;
}

/**
 * The last chunk of a model call: what the journaled answer adds to the streamed text (its tool calls as
 * tool call chunks, usage, response metadata), and the text itself when none was streamed.
 */
function closingChunk(id: string, stored: unknown, streamed: boolean): AIMessageChunk {
  const answer = messageFromJson(stored) as BaseMessage & {
    tool_calls?: { id?: string; name: string; args: unknown }[];
    usage_metadata?: AIMessageChunk['usage_metadata'];
  };
  return new AIMessageChunk({
    id,
    content: streamed ? '' : answer.content,
    tool_call_chunks: (answer.tool_calls ?? []).map((call, index) => ({
      type: 'tool_call_chunk' as const,
      ...(call.id !== undefined && { id: call.id }),
      name: call.name,
      args: JSON.stringify(call.args ?? {}),
      index,
    })),
    ...(answer.usage_metadata !== undefined && { usage_metadata: answer.usage_metadata }),
    response_metadata: { ...answer.response_metadata, restate_message_id: answer.id },
    additional_kwargs: answer.additional_kwargs ?? {},
  });
}
