/**
 * Live streaming for `DurableRunner` (docs/live-streaming.md): the model step's text deltas go to the stream
 * log while the step runs (its preview), and the run's own `RunStreamEvent`s go through the log as useChat
 * `UIMessageChunk`s (the authoritative stream), so a chat UI shows each journaled answer exactly once.
 *
 * The run's events are taken where the SDK emits them (`StreamedRunResult._addItem`), synchronously and in
 * emission order: everything the run emitted before a model call (the previous step's tool results) is then
 * queued to the log before that call's preview, with no reader of the stream in between.
 */
import {
  type RunContext,
  type RunStreamEvent,
  type StreamEvent,
  StreamedRunResult,
} from '@openai/agents-core';
import { endLiveTurn, type LiveAttempt, type LiveChunks, textPreview } from '@restate-agents/core';

/** The id of step `seg`'s text part, the same in its preview and its authoritative chunks. */
export const liveTextId = (seg: number): string => `text-${seg}`;

/** Pushes a model stream's text deltas to a live attempt; `close()` closes the text part. @internal */
export function previewModelEvents(
  attempt: LiveAttempt,
  seg: number,
): {
  push(event: StreamEvent): void;
  close(): void;
} {
  const text = textPreview(attempt, liveTextId(seg));
  return {
    push(event) {
      if (event.type === 'output_text_delta') text.delta(event.delta);
    },
    close: () => text.close(),
  };
}

type Tap = (event: RunStreamEvent) => void;
const taps = new WeakMap<object, Tap>();
let tapped = false;

/**
 * Hears every event the runs of `context` emit, as they are emitted. The SDK has no hook for it: its
 * `StreamedRunResult` is patched once, and runs without a tap are left untouched.
 */
function tapRun(context: RunContext<unknown>, tap: Tap): void {
  taps.set(context, tap);
  if (tapped) return;
  tapped = true;
  const proto = StreamedRunResult.prototype as unknown as {
    _addItem(this: { state?: { _context?: object } }, item: RunStreamEvent): void;
  };
  const addItem = proto._addItem;
  proto._addItem = function (item) {
    const context = this.state?._context;
    const listener = context && taps.get(context);
    if (listener) {
      try {
        listener(item);
      } catch {
        // The live stream never fails the run: a step's commit retracts whatever went wrong.
      }
    }
    addItem.call(this, item);
  };
}

/** What a run item carries that the mapping reads. */
interface RawItem {
  type?: string;
  callId?: string;
  name?: string;
  arguments?: string;
}

/**
 * Maps the run's events to UI message chunks and sends them through `chunks`: each model response is a step
 * (`start-step`, its text, `finish-step`), tool calls and their outputs follow it as `tool-input-available`
 * and `tool-output-available`. Handoffs, agent updates and raw provider events are left out.
 */
function mapEvent(event: RunStreamEvent, chunks: LiveChunks, state: { text: boolean }): void {
  if (event.type === 'raw_model_stream_event') {
    const data = event.data;
    if (data.type === 'response_started') {
      chunks.send({ type: 'start-step' });
    } else if (data.type === 'output_text_delta' && data.delta) {
      const id = liveTextId(chunks.step);
      if (!state.text) {
        chunks.send({ type: 'text-start', id });
        state.text = true;
      }
      chunks.send({ type: 'text-delta', id, delta: data.delta });
    } else if (data.type === 'response_done') {
      if (state.text) chunks.send({ type: 'text-end', id: liveTextId(chunks.step) });
      state.text = false;
      chunks.send({ type: 'finish-step' });
    }
    return;
  }
  if (event.type !== 'run_item_stream_event') return;
  const raw = (event.item as { rawItem?: RawItem }).rawItem ?? {};
  if (event.name === 'tool_called' && raw.type === 'function_call' && raw.callId) {
    chunks.send({
      type: 'tool-input-available',
      toolCallId: raw.callId,
      toolName: raw.name ?? 'unknown',
      input: parseArguments(raw.arguments),
    });
  } else if (event.name === 'tool_output' && raw.callId) {
    chunks.send({
      type: 'tool-output-available',
      toolCallId: raw.callId,
      output: (event.item as { output?: unknown }).output ?? null,
    });
  }
}

function parseArguments(text: string | undefined): unknown {
  if (text === undefined || text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Starts sending the events of the streamed run about to start on `context` to the log. @internal */
export function streamRunToLog(context: RunContext<unknown>, chunks: LiveChunks): void {
  const state = { text: false };
  tapRun(context, (event) => mapEvent(event, chunks, state));
}

/**
 * Ends the turn on the log when the streamed run ends: `finish` on success, an `error` frame when it failed
 * for good. A suspension or a retried failure leaves the turn open (the next attempt continues it). The
 * result's `completed` waits for the log's acknowledgement, so the handler returns after the client got all.
 * @internal
 */
// biome-ignore lint/suspicious/noExplicitAny: any streamed result, whatever its context and agent.
export function endTurnWithRun<R extends StreamedRunResult<any, any>>(
  result: R,
  context: RunContext<unknown>,
  chunks: LiveChunks,
): R {
  const completed = result.completed;
  const ended = completed.then(
    async () => {
      taps.delete(context);
      await endLiveTurn(chunks);
    },
    async (error: unknown) => {
      taps.delete(context);
      await endLiveTurn(chunks, { error });
      throw error;
    },
  );
  // Nobody may await `completed`: its failure is the handler's to see, not an unhandled rejection.
  ended.catch(() => undefined);
  Object.defineProperty(result, 'completed', { configurable: true, get: () => ended });
  return result;
}
