/**
 * The transient data chunks `durableGraph` puts on the live stream log beside the UI chunks, and how
 * LangChain messages inside node updates travel as JSON (docs/live-streaming.md, "LangGraph native stream
 * modes"). Shared by the agent side (`live-graph-events.ts`) and the reader (`graph-stream-events.ts`).
 */
import {
  type BaseMessage,
  isBaseMessage,
  mapStoredMessageToChatMessage,
  type ToolMessage,
} from '@langchain/core/messages';
import type { StreamChunk } from '@restate-agents/core';

/** The chunk types, each `{ type, transient: true, data }` (AI SDK data parts `useChat` does not keep). */
export const GRAPH_CHUNKS = {
  /** A model call in a node starts: `{ run, ns, metadata }` (LangGraph's `messages` metadata). */
  model: 'data-langgraph-model',
  /** The model call's journaled answer: `{ run, message }` (a LangChain stored message). */
  modelEnd: 'data-langgraph-model-end',
  /** A message a node returned that was not streamed (a `ToolMessage`): `{ ns, metadata, message }`. */
  message: 'data-langgraph-message',
  /** A node's update, as LangGraph's `updates` mode gives it: `{ ns, updates }`. */
  updates: 'data-langgraph-updates',
} as const;

/** The key a message is stored under inside an update's JSON. */
const MESSAGE_KEY = '$lc_message';

/** `value` as JSON, with each LangChain message as `{ $lc_message: <stored message> }`. */
export function toWire(value: unknown): unknown {
  if (isBaseMessage(value)) return { [MESSAGE_KEY]: value.toDict() };
  if (Array.isArray(value)) return value.map(toWire);
  if (value === null || typeof value !== 'object') return value;
  // Plain objects only; other objects (a Date, a Command) as JSON.stringify shows them.
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) {
    const json = (value as { toJSON?: () => unknown }).toJSON?.();
    if (json !== undefined) return json;
  }
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (entry !== undefined && typeof entry !== 'function') out[key] = toWire(entry);
  }
  return out;
}

/** The inverse of {@link toWire}: messages rebuilt as LangChain message instances. */
export function fromWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromWire);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  if (MESSAGE_KEY in record && Object.keys(record).length === 1) {
    return messageFromJson(record[MESSAGE_KEY]);
  }
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(record)) out[key] = fromWire(entry);
  return out;
}

/** A stored message (`message.toDict()`) as a LangChain message instance. */
export function messageFromJson(stored: unknown): BaseMessage {
  return mapStoredMessageToChatMessage(
    stored as Parameters<typeof mapStoredMessageToChatMessage>[0],
  );
}

/**
 * A tool's result as `useChat` chunks: `tool-input-available` (with the call the model made, when known) and
 * `tool-output-available` (`tool-output-error` for an error message). One mapping for the agent side, which
 * puts it on the log, and the reader's mapper of `graphStreamEvents`, so both fold to the same message.
 */
export function toolResultChunks(
  result: ToolMessage,
  call: { name: string; args: unknown } | undefined,
): StreamChunk[] {
  return [
    {
      type: 'tool-input-available',
      toolCallId: result.tool_call_id,
      toolName: call?.name ?? result.name ?? 'unknown',
      input: call?.args ?? {},
    },
    result.status === 'error'
      ? { type: 'tool-output-error', toolCallId: result.tool_call_id, errorText: result.text }
      : { type: 'tool-output-available', toolCallId: result.tool_call_id, output: result.content },
  ];
}
