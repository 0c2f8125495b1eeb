/**
 * Live streaming (docs/live-streaming.md) for ADK runs: a durable model step's text goes to the stream log
 * while the step runs (its preview, from the partial responses of an SSE stream, or the whole answer per step
 * without one); after the step, its journaled responses go through the log as useChat `UIMessageChunk`s (the
 * authoritative stream: `start-step`, the text, the function calls as tool inputs, `finish-step`), and
 * `runDurably` adds the function responses as tool outputs and ends the turn. A chat UI thus shows each
 * journaled answer exactly once: the log drops the authoritative text a sealed preview already showed, and
 * shows it after a `reset-step` where the preview was retracted (a crash mid-stream).
 *
 * The model wrapper sends its own steps (as core's `liveChunks` asks of model wrappers): its preview and its
 * step are numbered by the same call, so they always match, whatever else ADK's flow yields.
 */
import type { Event, LlmResponse } from '@google/adk';
import {
  endLiveTurn,
  type LiveAttempt,
  type LiveStream,
  liveChunks,
  textPreview,
} from '@restate-agents/core';

/** The id of step `seg`'s text part, the same in its preview and its authoritative chunks. */
export const liveTextId = (seg: number): string => `text-${seg}`;

/** A response's answer text (thoughts left out: they are neither previewed nor sent). */
function answerText(response: LlmResponse): string {
  return (response.content?.parts ?? [])
    .flatMap((part) => (typeof part.text === 'string' && part.thought !== true ? [part.text] : []))
    .join('');
}

/**
 * The text each response of one model call adds, in order. The partial responses of an SSE stream carry
 * deltas; a non-partial one carries the text aggregated since the last non-partial one (ADK's
 * `StreamingResponseAggregator`), of which only what the partials did not show is new. The preview (as
 * responses arrive) and the authoritative step (from the journaled responses) use this same function, so a
 * sealed preview shows exactly the step's text.
 */
export function textDeltas(): (response: LlmResponse) => string {
  let shown = '';
  return (response) => {
    const text = answerText(response);
    if (response.partial === true) {
      shown += text;
      return text;
    }
    const before = shown;
    shown = '';
    // Not a continuation (a model whose final response is not the aggregate of its partials): all of it.
    return text.startsWith(before) ? text.slice(before.length) : text;
  };
}

/** Pushes one model call's responses to a live attempt as they arrive; `close()` closes the text part. */
export function previewResponses(
  attempt: LiveAttempt,
  seg: number,
): { push(response: LlmResponse): void; close(): void } {
  const text = textPreview(attempt, liveTextId(seg));
  const next = textDeltas();
  return {
    push: (response) => text.delta(next(response)),
    close: () => text.close(),
  };
}

/** The function calls whose inputs went through the log, per live stream: only their outputs are sent. */
const sentCalls = new WeakMap<LiveStream, Set<string>>();
/** The live streams whose turn `runDurably` ended. */
const endedTurns = new WeakSet<LiveStream>();

function callsOf(live: LiveStream): Set<string> {
  let calls = sentCalls.get(live);
  if (!calls) {
    calls = new Set();
    sentCalls.set(live, calls);
  }
  return calls;
}

/**
 * One journaled model call through the log, after its step's commit was queued: its text (dropped by the
 * log when the sealed preview already showed it) and its function calls as tool inputs.
 */
export function sendModelStep(live: LiveStream, responses: readonly LlmResponse[]): void {
  const chunks = liveChunks(live);
  chunks.send({ type: 'start-step' });
  const next = textDeltas();
  const text = responses.map(next).join('');
  if (text) {
    const id = liveTextId(chunks.step);
    chunks.send({ type: 'text-start', id });
    chunks.send({ type: 'text-delta', id, delta: text });
    chunks.send({ type: 'text-end', id });
  }
  const calls = callsOf(live);
  // A function call appears in the partial responses and again in a non-partial one: the latter counts.
  for (const response of responses) {
    if (response.partial === true) continue;
    for (const part of response.content?.parts ?? []) {
      const call = part.functionCall;
      if (!call?.id || calls.has(call.id)) continue;
      calls.add(call.id);
      chunks.send({
        type: 'tool-input-available',
        toolCallId: call.id,
        toolName: call.name ?? 'unknown',
        input: call.args ?? {},
      });
    }
  }
  chunks.send({ type: 'finish-step' });
}

/**
 * The function responses of a run's event as tool outputs (for the calls whose inputs were sent: a call
 * from a callback's made-up response never reached the log).
 */
export function sendToolOutputs(live: LiveStream, event: Event): void {
  if (event.partial === true) return;
  const calls = callsOf(live);
  for (const part of event.content?.parts ?? []) {
    const response = part.functionResponse;
    if (!response?.id || !calls.has(response.id)) continue;
    calls.delete(response.id);
    liveChunks(live).send({
      type: 'tool-output-available',
      toolCallId: response.id,
      output: response.response ?? null,
    });
  }
}

/** How many responses the durable models of a live stream yielded to ADK's flow. */
const modelResponses = new WeakMap<LiveStream, number>();

/** Counts a response a durable model yields (right before ADK's flow turns it into an event). */
export function countModelResponse(live: LiveStream): void {
  modelResponses.set(live, (modelResponses.get(live) ?? 0) + 1);
}

/**
 * Tells which events of a run came from no durable model step: ADK's flow pulls each event from the model's
 * responses one at a time, so an event with content that arrives while the count did not move was made up by
 * a callback (`beforeModelCallback`, `beforeAgentCallback` returning content). Its text goes through the log
 * outside any step (always shown: there was no preview), on the first run and on replay alike.
 */
export function madeUpTextSender(live: LiveStream): (event: Event) => void {
  let seen = modelResponses.get(live) ?? 0;
  let made = 0;
  return (event) => {
    const now = modelResponses.get(live) ?? 0;
    const fromModel = now !== seen;
    seen = now;
    if (fromModel || event.partial === true || event.author === 'user') return;
    const text = answerText(event);
    if (!text || event.content?.role === 'user') return;
    made += 1;
    const chunks = liveChunks(live);
    const id = `text-made-${made}`;
    chunks.send({ type: 'text-start', id });
    chunks.send({ type: 'text-delta', id, delta: text });
    chunks.send({ type: 'text-end', id });
  };
}

/** Whether `runDurably` already ended this live stream's turn. */
export function turnEnded(live: LiveStream): boolean {
  return endedTurns.has(live);
}

/**
 * Ends the turn after the run (core's one end-of-turn rule): `finish` when it ended, an `error` frame when it
 * failed for good; nothing after a suspension or a failure Restate retries (the next attempt finishes it).
 */
export async function endTurn(live: LiveStream, failure?: { error: unknown }): Promise<void> {
  endedTurns.add(live);
  await endLiveTurn(liveChunks(live), failure);
}
