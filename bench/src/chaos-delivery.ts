/**
 * Delivery under chaos: a client reads one agent turn from the stream log while the agent's process is
 * SIGKILLed, folds what it reads exactly as `useChat` does (`readUIMessageStream`: a `reset-step` removes a
 * crashed attempt's text), and compares what it showed with the journaled answer:
 *
 * - **words shown twice**: every text the message showed on the way must be a prefix of the answer; a text
 *   of two attempts left concatenated, or an answer repeated, counts its extra words. Must be 0.
 * - **answer missing**: the final message of a completed turn must show the whole answer. Must be 0.
 *
 * The client reads through Restate's ingress from the turn's start and, when a read fails (a server node
 * killed under it), reconnects from the offset after the last frame it got, as `RestateChatTransport` does.
 */
import type { StreamClient, StreamFrame } from '@restate-agents/core';
import { readUIMessageStream, type UIMessageChunk } from 'ai';

/** What one client saw of one turn. */
export interface TurnDelivery {
  /** The text parts of the last message it folded, joined. */
  final: string;
  /** The most extra words any message on the way showed beyond a prefix of the answer. */
  wordsShownTwice: number;
  /** `reset-step` chunks read: previews retracted because their attempt was not the journaled one. */
  retractions: number;
  /** Reads that failed and were resumed from the next offset. */
  reconnects: number;
  /** The turn ended on the log (finish or error) and the client read all of it. */
  ended: boolean;
  /** Why the fold stopped early, if it did. */
  error?: string;
}

const words = (text: string): string[] => text.split(/\s+/).filter(Boolean);

/** Extra words of `shown` beyond the longest prefix of `answer` it starts with (0 when it is a prefix). */
export function wordsBeyondPrefix(shown: string, answer: string): number {
  if (answer.startsWith(shown)) return 0;
  let common = 0;
  while (common < shown.length && shown[common] === answer[common]) common++;
  return Math.max(1, words(shown.slice(common)).length);
}

/** The text a UI message shows: its text parts in order, joined. */
export function shownText(message: {
  parts: ReadonlyArray<{ type: string; text?: string }>;
}): string {
  return message.parts.map((part) => (part.type === 'text' ? (part.text ?? '') : '')).join('');
}

/**
 * Folds a turn's chunks as `useChat` does and measures them against `answer` (what the journal holds:
 * every model step's text of the turn, in order).
 */
export async function foldDelivery(
  chunks: AsyncIterable<UIMessageChunk>,
  answer: string,
  progress: { retractions: number } = { retractions: 0 },
): Promise<Pick<TurnDelivery, 'final' | 'wordsShownTwice' | 'error'>> {
  let final = '';
  let wordsShownTwice = 0;
  async function* counted(): AsyncGenerator<UIMessageChunk> {
    for await (const chunk of chunks) {
      if (chunk.type === 'reset-step') progress.retractions++;
      yield chunk;
    }
  }
  try {
    for await (const message of readUIMessageStream({ stream: ReadableStream.from(counted()) })) {
      const shown = shownText(message);
      wordsShownTwice = Math.max(wordsShownTwice, wordsBeyondPrefix(shown, answer));
      final = shown;
    }
    return { final, wordsShownTwice };
  } catch (error) {
    return { final, wordsShownTwice, error: String(error).slice(0, 300) };
  }
}

/**
 * Reads turn `turn` (an invocation id) of stream `streamId` from its start to its end, resuming from the
 * next offset after a failed read, and folds it. `signal` stops a reader whose turn never ends.
 */
export async function readTurn(
  client: StreamClient,
  streamId: string,
  turn: string,
  answer: string,
  signal: AbortSignal,
): Promise<TurnDelivery> {
  const progress = { retractions: 0 };
  let reconnects = 0;
  let ended = false;
  let last: number | undefined;
  async function* frames(): AsyncGenerator<UIMessageChunk> {
    while (!signal.aborted) {
      try {
        const request = last === undefined ? { turn } : { from: last + 1, turn };
        const reader: AsyncGenerator<StreamFrame, unknown> = client.frames(streamId, request, {
          signal,
        });
        for await (const frame of reader) {
          last = frame.offset;
          yield frame.chunk as UIMessageChunk;
        }
        ended = true;
        return;
      } catch (error) {
        if (signal.aborted) return;
        reconnects++;
        void error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }
  const folded = await foldDelivery(frames(), answer, progress);
  return { ...folded, retractions: progress.retractions, reconnects, ended };
}
