/**
 * What every adapter does around a durable model step when it streams live (docs/live-streaming.md): open the
 * step's preview segment in handler code, start an attempt inside each run of the step's closure, journal the
 * attempt's receipt beside the answer, and commit the segment after the step resolved (on the first run and
 * on every replay). Plus the two halves adapters fill from their SDK's own stream: a text preview built from
 * plain text deltas, and the authoritative chunk stream with the `covers` each chunk needs.
 */
import { controlErrorKind, findControlError } from '../control-errors.js';
import type { LiveAttempt, LiveStream } from './live-stream.js';
import { isPreviewChunk } from './log-rules.js';
import type { LiveReceipt, StreamChunk } from './stream-records.js';

/**
 * Runs one durable model step with its live preview. `step` gets `preview(signal)`: call it inside the
 * step's closure, once per run of it, and journal `await attempt.end()` with the answer; `receiptOf` reads
 * that receipt back from the journaled value. `seg` is the step's number in the turn (0 without `live`, and
 * then `preview` returns `undefined`).
 *
 * @example
 * const value = await liveModelStep(live, (preview, seg) =>
 *   durableStep(ctx, name, async (signal) => {
 *     const attempt = preview(signal);
 *     const text = attempt && textPreview(attempt, `text-${seg}`);
 *     for await (const delta of model.stream()) text?.delta(delta);
 *     text?.close();
 *     return { answer, ...(attempt && { live: await attempt.end() }) };
 *   }), (value) => value.live);
 */
export async function liveModelStep<T>(
  live: LiveStream | undefined,
  step: (preview: (signal?: AbortSignal) => LiveAttempt | undefined, seg: number) => Promise<T>,
  receiptOf: (value: T) => LiveReceipt | undefined,
): Promise<T> {
  const segment = live?.segment();
  let value: T;
  try {
    value = await step((signal) => segment?.attempt(signal), segment?.seg ?? 0);
  } catch (error) {
    // A step that failed for good (a plain error, or a TerminalError at the retry cap) has no preview to keep:
    // it is retracted. A suspension or a closed attempt is not a failure (the replay commits); a cancelled
    // turn keeps what it showed.
    const kind = controlErrorKind(findControlError(error));
    if (kind === undefined || kind === 'terminal' || kind === 'timeout') segment?.commit(undefined);
    throw error;
  }
  // On the first run and on every replay: the log seals the preview or retracts it.
  segment?.commit(receiptOf(value));
  return value;
}

/** A text part of a preview, fed with plain text deltas (SDKs whose streams carry no part ids). */
export interface TextPreview {
  /** A text delta (empty ones are skipped by the attempt). */
  delta(text: string): void;
  /** Closes the text part if one was opened. */
  close(): void;
}

/**
 * The `text-start` / `text-delta` / `text-end` chunks of one text part with id `id`, pushed to `attempt`.
 * Use the same id as the authoritative stream's text part of this step (see {@link liveChunks}).
 */
export function textPreview(attempt: LiveAttempt, id: string): TextPreview {
  let open = false;
  return {
    delta(text) {
      if (!text) return;
      if (!open) {
        attempt.push({ type: 'text-start', id });
        open = true;
      }
      attempt.push({ type: 'text-delta', id, delta: text });
    },
    close() {
      if (!open) return;
      attempt.push({ type: 'text-end', id });
      open = false;
    },
  };
}

/** The authoritative stream of a turn, in client chunks, as {@link liveChunks} sends it. */
export interface LiveChunks {
  /** The number of the step the stream is in (1, 2, …; 0 before the first `start-step`). */
  readonly step: number;
  /** Sends one chunk; `start-step` and text/reasoning chunks inside a step are marked as its preview's. */
  send(chunk: StreamChunk): void;
  /** Sends `finish` and ends the turn (`error`: an `error` frame instead). Waits for the log's acknowledgement. */
  end(outcome?: { error?: string }): Promise<boolean>;
}

/**
 * The authoritative half for adapters that map their SDK's own events to client chunks in handler order:
 * `start` first, then the mapped chunks, each model step between `start-step` and `finish-step`, numbered in
 * the order of `live.segment()` calls (one per model step). Send a step's chunks only after its model step
 * resolved (its commit was queued first), and the previous step's before the next model step starts: the log
 * then drops what a sealed preview already showed, and shows a rebuilt step after a `reset-step`. The same
 * object for the same `live` (model wrappers send their steps, the handler calls `end()`).
 */
export function liveChunks(live: LiveStream): LiveChunks {
  // One per live stream: the model steps of a turn and the handler that ends it share the step count.
  const known = chunksOf.get(live);
  if (known) return known;
  const chunks = newLiveChunks(live);
  chunksOf.set(live, chunks);
  return chunks;
}

const chunksOf = new WeakMap<LiveStream, LiveChunks>();

function newLiveChunks(live: LiveStream): LiveChunks {
  let step = 0;
  let inStep = false;
  let started = false;
  const start = (): void => {
    if (started) return;
    started = true;
    live.event({ type: 'start' });
  };
  return {
    get step() {
      return step;
    },
    send(chunk) {
      start();
      if (chunk.type === 'start-step') {
        step += 1;
        inStep = true;
        live.event(chunk, { covers: step });
        return;
      }
      if (chunk.type === 'finish-step') inStep = false;
      live.event(chunk, inStep && isPreviewChunk(chunk) ? { covers: step } : {});
    },
    async end(outcome) {
      start();
      if (inStep) {
        live.event({ type: 'finish-step' });
        inStep = false;
      }
      if (outcome?.error !== undefined) return live.end({ error: outcome.error });
      live.event({ type: 'finish' });
      return live.end();
    },
  };
}

/**
 * Ends a live turn after the agent's run: `finish` when it ended (`failure` absent), an `error` frame when
 * it failed for good (a TerminalError, `RepeatingFailureError` included, or a timeout). Nothing after a
 * suspension, a cancellation or a plain error Restate retries: the next attempt (or the chat handlers' own end
 * of a failed turn) finishes it. The one rule every adapter's end of turn follows.
 */
export async function endLiveTurn(
  chunks: Pick<LiveChunks, 'end'>,
  failure?: { error: unknown },
): Promise<void> {
  if (!failure) {
    await chunks.end();
    return;
  }
  const control = findControlError(failure.error);
  const kind = controlErrorKind(control);
  if (kind === 'terminal' || kind === 'timeout')
    await chunks.end({ error: (control as Error).message });
}
