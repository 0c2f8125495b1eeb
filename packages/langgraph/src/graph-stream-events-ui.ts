/**
 * LangGraph's `messages`/`updates` tuples as AI SDK UI-message-stream chunks for `useChat`, in the shape the
 * live stream log itself holds for a `durableGraph` run: one step per model call (`start-step`, its text,
 * `finish-step`), a `ToolNode`'s call and result after it (`tool-input-available`, `tool-output-available` or
 * `tool-output-error`), `reset-step` for a retraction, `finish` at the end (an `error` chunk when the stream
 * throws). Comparable to `@ai-sdk/langchain`'s `toUIMessageStream`, with the retract marker understood.
 */
import {
  type AIMessageChunk,
  type BaseMessage,
  isAIMessage,
  isAIMessageChunk,
  isBaseMessage,
  isToolMessage,
  type ToolMessage,
} from '@langchain/core/messages';
import type { StreamChunk } from '@restate-agents/core';
import { toolResultChunks } from './live-graph-wire.js';

/** A tuple {@link graphUIMessageStream} maps: from `graphStreamEvents`, or LangGraph's own `graph.stream`. */
export type MappableGraphEvent = readonly [string, unknown];

/**
 * The UI message stream of `events` (what `graphStreamEvents` yields, or LangGraph's own `graph.stream(input,
 * { streamMode: ['messages', 'updates'] })`): fold it with `readUIMessageStream`, or answer a `useChat`
 * request with `createUIMessageStreamResponse({ stream })`. `Chunk` is the element type to declare (the AI
 * SDK's `UIMessageChunk`); the chunks are plain objects.
 *
 * @example
 * const events = graphStreamEvents(streamClient({ ingressUrl }), chatId, { turn: invocationId });
 * return createUIMessageStreamResponse({ stream: graphUIMessageStream<UIMessageChunk>(events) });
 */
export function graphUIMessageStream<Chunk extends { type: string } = StreamChunk>(
  events: AsyncIterable<MappableGraphEvent>,
): ReadableStream<Chunk> {
  const iterator = events[Symbol.asyncIterator]();
  return new ReadableStream<Chunk>({
    async start(controller) {
      const emit = (chunk: StreamChunk): void => controller.enqueue(chunk as unknown as Chunk);
      const mapper = new UIChunkMapper(emit);
      emit({ type: 'start' });
      try {
        for (;;) {
          const next = await iterator.next();
          if (next.done) break;
          mapper.map(next.value);
        }
        mapper.close();
        emit({ type: 'finish' });
      } catch (error) {
        mapper.close();
        emit({ type: 'error', errorText: error instanceof Error ? error.message : String(error) });
      }
      controller.close();
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

/** The model message being shown: its id, its step's text part, what it said so far. */
interface MappedMessage {
  id: string;
  textId: string;
  textOpen: boolean;
  folded?: AIMessageChunk | undefined;
}

class UIChunkMapper {
  #current: MappedMessage | undefined;
  #steps = 0;
  /** Tool calls of the answers so far, for the tool parts a `ToolMessage` closes. */
  readonly #calls = new Map<string, { name: string; args: unknown }>();

  readonly emit: (chunk: StreamChunk) => void;

  constructor(emit: (chunk: StreamChunk) => void) {
    this.emit = emit;
  }

  map(event: MappableGraphEvent): void {
    const [mode, payload] = event;
    if (mode === 'restate/retract') {
      const { id } = payload as { id?: string };
      if (this.#current && (id === undefined || id === this.#current.id)) {
        // The step's parts go; the rebuilt answer follows in the same step.
        this.emit({ type: 'reset-step' });
        this.#current.textOpen = false;
        this.#current.folded = undefined;
      }
      return;
    }
    if (mode === 'updates') {
      // A node ended: its model call, if any, is complete.
      this.close();
      return;
    }
    if (mode !== 'messages' || !Array.isArray(payload)) return;
    const message = payload[0] as unknown;
    if (!isBaseMessage(message)) return;
    if (isToolMessage(message)) {
      this.close();
      this.#toolResult(message);
      return;
    }
    if (isAIMessageChunk(message as never) || isAIMessage(message as never)) {
      this.#aiChunk(message);
    }
  }

  /** Closes the step of the message being shown. */
  close(): void {
    const current = this.#current;
    if (!current) return;
    if (current.textOpen) this.emit({ type: 'text-end', id: current.textId });
    this.#rememberCalls(current.folded);
    this.emit({ type: 'finish-step' });
    this.#current = undefined;
  }

  #aiChunk(message: BaseMessage): void {
    const id = message.id ?? this.#current?.id ?? 'message';
    if (this.#current?.id !== id) {
      this.close();
      this.#steps += 1;
      this.emit({ type: 'start-step' });
      this.#current = { id, textId: `text-${this.#steps}`, textOpen: false };
    }
    const current = this.#current as MappedMessage;
    const chunk = isAIMessageChunk(message as never) ? (message as AIMessageChunk) : undefined;
    current.folded =
      chunk === undefined
        ? undefined
        : current.folded === undefined
          ? chunk
          : current.folded.concat(chunk);
    if (chunk === undefined) this.#rememberCalls(message);
    const text = message.text;
    if (!text) return;
    if (!current.textOpen) {
      this.emit({ type: 'text-start', id: current.textId });
      current.textOpen = true;
    }
    this.emit({ type: 'text-delta', id: current.textId, delta: text });
  }

  #rememberCalls(message: BaseMessage | undefined): void {
    const calls = (message as { tool_calls?: { id?: string; name: string; args: unknown }[] })
      ?.tool_calls;
    for (const call of calls ?? []) {
      if (call.id) this.#calls.set(call.id, { name: call.name, args: call.args });
    }
  }

  #toolResult(result: ToolMessage): void {
    for (const chunk of toolResultChunks(result, this.#calls.get(result.tool_call_id)))
      this.emit(chunk);
  }
}
