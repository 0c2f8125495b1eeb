/**
 * The authoritative half of live streaming for Mastra (docs/live-streaming.md): a Mastra agent's `stream()`
 * output, converted by Mastra's own `@mastra/ai-sdk` (`toAISdkStream`, the converter its `chatRoute` uses for
 * `useChat`) to AI SDK UI message chunks, goes to the stream log through the AI SDK adapter's
 * `pipeUIMessageStream`: numbered events, each step's preview ordered behind the previous step's events, the
 * chunks a sealed preview already showed dropped by the log. Only the end differs: a run that failed for good
 * ends its turn with an `error` frame, through core's `endLiveTurn`, the one rule for every adapter.
 *
 * Two things Mastra's stream does that the pipe must undo:
 * - Its `error` chunk is not the turn's outcome: a Restate suspension, or a failure Restate retries, also
 *   arrives as one. The pipe holds it back; `endLiveTurn` decides from the error itself.
 * - The converter holds `start` back until the first step starts, which a durable model step only does once it
 *   is journaled; the step's preview would then land before `start`, and a `start` with a message id after
 *   content makes the AI SDK's reader start the message over. `start` is sent as soon as Mastra emits it.
 */
import { pipeUIMessageStream } from '@restate-agents/ai-sdk';
import {
  endLiveTurn,
  invalidOption,
  type LiveStream,
  liveChunks,
  type StreamChunk,
} from '@restate-agents/core';
import type { UIMessageChunk } from 'ai';

/** What {@link pipeMastraStream} reads: the output of a Mastra agent's `stream()` (`MastraModelOutput`). */
export interface MastraStreamOutput {
  /** Mastra's chunks of the run (every read gets them all, from the start). */
  readonly fullStream: ReadableStream<unknown>;
  /** The run's error, once it failed. */
  readonly error?: unknown;
}

/**
 * Options of {@link pipeMastraStream}: those of `@mastra/ai-sdk`'s `toAISdkStream(output, { from: 'agent' })`.
 * `sendReasoning` defaults to `true` here, as the preview shows reasoning too.
 */
export interface PipeMastraStreamOptions {
  /** The id of the assistant message the chunks continue (the AI SDK's `lastMessageId`). */
  lastMessageId?: string;
  /** Send reasoning parts (default `true`). */
  sendReasoning?: boolean;
  /** Send source parts (default `false`). */
  sendSources?: boolean;
  /** Metadata of the assistant message, per chunk (`start`, `finish`, …). */
  messageMetadata?: (options: { part: unknown }) => unknown;
  /** The text a tool's error is shown with (default: Mastra's). */
  onError?: (error: unknown) => string;
  /** Sub-agent runs as `data-tool-agent` parts (Mastra's option). */
  includeSubAgentMetadata?: boolean;
}

/** `@mastra/ai-sdk`'s converter: an optional peer, loaded when a stream is piped. */
type ToAISdkStream = (
  stream: ReadableStream<unknown>,
  options: Record<string, unknown>,
) => ReadableStream<UIMessageChunk>;

let converter: Promise<ToAISdkStream> | undefined;

function loadConverter(): Promise<ToAISdkStream> {
  converter ??= import('@mastra/ai-sdk').then(
    (module) => module.toAISdkStream as unknown as ToAISdkStream,
    (error: unknown) => {
      converter = undefined;
      throw invalidOption(
        'pipeMastraStream needs @mastra/ai-sdk, the converter Mastra documents for useChat: install it ' +
          `(pnpm add @mastra/ai-sdk). Loading it failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    },
  );
  return converter;
}

/**
 * Sends the run of a Mastra agent's `stream()` to the stream log as AI SDK UI message chunks (what `useChat`
 * reads) and ends the turn: `finish` when the run ended, an `error` frame when it failed for good. Resolves
 * once the log acknowledged everything; rejects with the run's error otherwise (a suspension or a failure
 * Restate retries leaves the turn open: the next attempt finishes it). Pipe the output of
 * `durableAgent(ctx, agent, { live }).stream()` (or of `agent.stream()` with `withRestate(..., { live })`).
 *
 * @example
 * const live = liveStream(ctx, { streamId: ctx.key, ingressUrl });
 * const output = await durableAgent(ctx, agent, { live }).stream(body.messages);
 * await pipeMastraStream(live, output);
 */
export async function pipeMastraStream(
  live: LiveStream,
  output: MastraStreamOutput,
  options: PipeMastraStreamOptions = {},
): Promise<void> {
  if (!output || typeof output !== 'object' || !(output.fullStream instanceof ReadableStream)) {
    throw invalidOption(
      "pipeMastraStream: pass the output of a Mastra agent's stream() (an object with a fullStream), e.g. " +
        'await pipeMastraStream(live, await durableAgent(ctx, agent, { live }).stream(messages)).',
    );
  }
  const toAISdkStream = await loadConverter();
  try {
    await pipeUIMessageStream(live, uiChunks(toAISdkStream, output, options));
  } catch (error) {
    // An `error` frame for a failure for good; nothing for a suspension or a retried failure.
    await endLiveTurn(liveChunks(live), { error });
    throw error;
  }
}

/**
 * The run's UI message chunks: `start` as soon as Mastra emits it, then the converter's chunks without its
 * `error` chunks; the stream fails with the run's error if it had one.
 */
async function* uiChunks(
  toAISdkStream: ToAISdkStream,
  output: MastraStreamOutput,
  options: PipeMastraStreamOptions,
): AsyncGenerator<UIMessageChunk> {
  const { sendReasoning = true, lastMessageId, messageMetadata, ...rest } = options;
  let announce: (chunk: UIMessageChunk | undefined) => void = () => {};
  const started = new Promise<UIMessageChunk | undefined>((resolve) => {
    announce = resolve;
  });
  const tapped = output.fullStream.pipeThrough(
    new TransformStream<unknown, unknown>({
      transform(chunk, controller) {
        const raw = chunk as { type?: string; payload?: { messageId?: unknown } };
        if (raw.type === 'start') {
          const messageId = lastMessageId ?? raw.payload?.messageId;
          const start: StreamChunk = {
            type: 'start',
            ...(typeof messageId === 'string' && { messageId }),
          };
          const metadata = messageMetadata?.({ part: start });
          announce({
            ...start,
            ...(metadata != null && { messageMetadata: metadata }),
          } as UIMessageChunk);
        }
        controller.enqueue(chunk);
      },
      flush: () => announce(undefined),
    }),
  );
  const reader = toAISdkStream(tapped, {
    ...rest,
    from: 'agent',
    version: 'v7',
    sendReasoning,
    sendStart: false,
    ...(lastMessageId !== undefined && { lastMessageId }),
    ...(messageMetadata && { messageMetadata }),
  }).getReader();
  let next = reader.read();
  // Reading keeps the chain pulling, so Mastra's `start` passes the tap before any step is journaled.
  const start = await Promise.race([started, next.then(noStart, noStart)]);
  if (start) yield start;
  let error: { errorText?: string } | undefined;
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await next;
      if (done) break;
      if (value.type === 'error') error ??= value;
      else yield value;
      next = reader.read();
    }
    finished = true;
  } finally {
    // Stopped early (the pipe threw): the run goes on without this reader.
    if (!finished) void reader.cancel().catch(() => undefined);
  }
  if (output.error !== undefined) throw output.error;
  if (error) throw new Error(error.errorText ?? 'The Mastra run failed.');
}

const noStart = (): undefined => undefined;
