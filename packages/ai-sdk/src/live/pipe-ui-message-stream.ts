/**
 * The authoritative half of live streaming for the AI SDK: the UI message stream the SDK builds from the
 * journaled model answers and tool results goes to the stream log as numbered events. The log drops what a
 * sealed preview already showed (the step's `start-step`, text and reasoning) and every event a replay
 * sends again, so the client sees each chunk once.
 *
 * Order matters to a chat UI (a `finish-step` arriving after the next step's text would break it), so each
 * model step's preview waits until this pipe has sent the previous step's events (`orderSegments`).
 */
import {
  ControlErrorLatch,
  endLiveTurn,
  isPreviewChunk,
  isRestateControlError,
  type LiveStream,
  type StreamChunk,
} from '@restate-agents/core';
import type { UIMessageChunk } from 'ai';

/** What the pipe knows about a live stream: steps seen and finished, and previews waiting for their turn. */
interface PipeProgress {
  started: boolean;
  steps: number;
  finished: number;
  waiters: { index: number; resolve: () => void }[];
}

const progressOf = new WeakMap<LiveStream, PipeProgress>();

/**
 * Orders `live`'s previews behind the UI message stream piped to it: step `i`'s preview waits until the pipe
 * sent the stream's start and the `finish-step` of step `i - 1`. `withRestate(..., { live })` calls it.
 */
export function orderPreviewsBehindPipe(live: LiveStream): void {
  if (progressOf.has(live)) return;
  const progress: PipeProgress = { started: false, steps: 0, finished: 0, waiters: [] };
  progressOf.set(live, progress);
  live.orderSegments(
    (index) =>
      new Promise<void>((resolve) => {
        if (progress.started && progress.finished >= index) resolve();
        else progress.waiters.push({ index, resolve });
      }),
  );
}

function release(progress: PipeProgress): void {
  if (!progress.started) return;
  progress.waiters = progress.waiters.filter((waiter) => {
    if (progress.finished < waiter.index) return true;
    waiter.resolve();
    return false;
  });
}

/** Something with the AI SDK's `toUIMessageStream` (a `streamText` result, an agent's stream result). */
export interface UIMessageStreamSource {
  toUIMessageStream(
    options?: Record<string, unknown>,
  ): ReadableStream<UIMessageChunk> | AsyncIterable<UIMessageChunk>;
}

/** Options of {@link pipeUIMessageStream}: passed to `toUIMessageStream` (`originalMessages`, `sendReasoning`, …). */
export type PipeUIMessageStreamOptions = Record<string, unknown> & {
  /** Maps an error to the text the client sees (default: the AI SDK's "An error occurred."). */
  onError?: (error: unknown) => string;
};

/**
 * Sends a UI message stream to the stream log and ends the turn: pass the `streamText` result (then Restate's
 * own control errors, like a suspension, never reach the client as an error) or a UI message stream. Resolves
 * once the log acknowledged everything; rethrows a Restate control error so the handler ends as Restate wants.
 *
 * @example
 * const live = liveStream(ctx, { streamId: ctx.key, ingressUrl });
 * const result = streamText(withRestate(ctx, { model, messages, tools }, { live }));
 * await pipeUIMessageStream(live, result, { originalMessages: uiMessages });
 */
export async function pipeUIMessageStream(
  live: LiveStream,
  source: UIMessageStreamSource | ReadableStream<UIMessageChunk> | AsyncIterable<UIMessageChunk>,
  options: PipeUIMessageStreamOptions = {},
): Promise<void> {
  orderPreviewsBehindPipe(live);
  const progress = progressOf.get(live) as PipeProgress;
  let control: unknown;
  const stream =
    'toUIMessageStream' in source && typeof source.toUIMessageStream === 'function'
      ? source.toUIMessageStream({
          ...options,
          onError: (error: unknown) => {
            if (isRestateControlError(error)) control = error;
            return options.onError?.(error) ?? 'An error occurred.';
          },
        })
      : (source as ReadableStream<UIMessageChunk> | AsyncIterable<UIMessageChunk>);
  let seg: number | undefined;
  let abort: StreamChunk | undefined;
  for await (const chunk of stream as AsyncIterable<UIMessageChunk>) {
    if (control !== undefined) await endOnControl(live, control);
    const part = chunk as StreamChunk;
    // `withRestate` aborts the call when a tool hit a control error (a TerminalError: the run failed for
    // good): that `abort` is not the client's, so it is held until the result says why the call ended.
    if (part.type === 'abort') {
      abort = part;
      continue;
    }
    if (part.type === 'start-step') {
      progress.steps += 1;
      seg = progress.steps;
    }
    const covers =
      seg !== undefined && (part.type === 'start-step' || isPreviewChunk(part)) ? seg : undefined;
    live.event(part, covers === undefined ? {} : { covers });
    if (!progress.started) {
      progress.started = true;
      release(progress);
    }
    if (part.type === 'finish-step') {
      progress.finished = progress.steps;
      seg = undefined;
      release(progress);
    }
  }
  if (control !== undefined) await endOnControl(live, control);
  progress.started = true;
  progress.finished = Number.POSITIVE_INFINITY;
  release(progress);
  if (abort !== undefined) {
    const aborted = await abortCause(source);
    if (aborted !== undefined) {
      // The one end-of-turn rule (core): an `error` frame when the run failed for good, nothing after a
      // suspension or a cancellation; the handler then ends as Restate wants.
      await endLiveTurn(live, { error: aborted });
      throw aborted;
    }
    live.event(abort);
  }
  await live.end();
}

/**
 * A Restate control error reached the stream (a model step that gave up at its retry cap is a TerminalError):
 * the one end-of-turn rule (core) ends the turn in the log with an `error` frame when the run failed for
 * good, and leaves it open after a suspension or a cancellation (the replay sends the rest); then the
 * handler ends as Restate wants.
 */
async function endOnControl(live: LiveStream, control: unknown): Promise<never> {
  await endLiveTurn(live, { error: control });
  throw control;
}

/** The Restate control error a `streamText` result was aborted with (its `response` rejects with it), if any. */
async function abortCause(source: unknown): Promise<unknown> {
  const response = (source as { response?: PromiseLike<unknown> } | undefined)?.response;
  if (response === undefined || typeof response.then !== 'function') return undefined;
  try {
    await response;
    return undefined;
  } catch (error) {
    const latch = new ControlErrorLatch();
    latch.capture(error);
    return latch.captured;
  }
}
