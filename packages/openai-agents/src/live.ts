/**
 * Live streaming for `DurableRunner` (docs/live-streaming.md): the model step's text deltas go to the stream
 * log while the step runs (its preview), and the run's own `RunStreamEvent`s go through the log as useChat
 * `UIMessageChunk`s (the authoritative stream; `uiChunkMapper`, which also carries each native event whole for
 * `runStreamEvents`), so a chat UI shows each journaled answer exactly once.
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
import { liveTextId, uiChunkMapper } from './run-stream-events-ui.js';

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

/** Starts sending the events of the streamed run about to start on `context` to the log. @internal */
export function streamRunToLog(context: RunContext<unknown>, chunks: LiveChunks): void {
  const mapper = uiChunkMapper(chunks.step);
  tapRun(context, (event) => {
    for (const chunk of mapper.map(event)) chunks.send(chunk);
  });
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
