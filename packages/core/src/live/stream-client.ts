/**
 * A small HTTP client of the stream log (`agentStreamObject`) over Restate's ingress: what the agent's
 * `liveStream` appends with, and what a web backend reads with. Plain `fetch`, no Restate SDK, so it works
 * inside a step (where `ctx` must not be used) and in any server runtime.
 */
import { AGENT_STREAM_OBJECT } from './agent-stream-constants.js';
import type { ReadRequest, ReadResult, StreamChunk, StreamRecord } from './stream-records.js';

/** Options of {@link streamClient}. */
export interface StreamClientOptions {
  /** Restate's ingress, e.g. `http://localhost:8080`. */
  ingressUrl: string;
  /** The stream log object's name (default `AgentStream`). */
  name?: string;
  /** Extra headers on every request (e.g. an ingress auth token). */
  headers?: Record<string, string>;
  /** The `fetch` to use (default the global one). */
  fetch?: typeof fetch;
}

/** A frame as a reader gets it: its offset and the chunk. */
export interface StreamFrame {
  offset: number;
  chunk: StreamChunk;
}

/** The stream log seen from outside Restate. */
export interface StreamClient {
  readonly ingressUrl: string;
  readonly name: string;
  /**
   * Appends records in order; resolves once the log applied them (a call, not a one-way send: a sender with
   * one request in flight then batches more when the log is slow, instead of queueing appends up in Restate).
   */
  append(
    streamId: string,
    records: StreamRecord[],
    options?: { signal?: AbortSignal },
  ): Promise<void>;
  /** One read: frames from an offset or a turn's start, long-polling up to `timeoutMs` when there are none. */
  read(
    streamId: string,
    request?: ReadRequest,
    options?: { signal?: AbortSignal },
  ): Promise<ReadResult>;
  /**
   * Every frame from `request`'s start until its turn ends (or there is none, or it expired), reading on
   * across long polls. Stop early with `signal`.
   */
  frames(
    streamId: string,
    request?: ReadRequest,
    options?: { signal?: AbortSignal },
  ): AsyncGenerator<StreamFrame, ReadResult | undefined>;
}

/**
 * A client of the stream log at `ingressUrl`.
 *
 * @example
 * const log = streamClient({ ingressUrl: 'http://localhost:8080' });
 * for await (const { offset, chunk } of log.frames(chatId, { turn: 'active' })) send(offset, chunk);
 */
export function streamClient(options: StreamClientOptions): StreamClient {
  if (typeof options?.ingressUrl !== 'string' || !/^https?:\/\//.test(options.ingressUrl)) {
    throw new TypeError(
      `streamClient: ingressUrl must be an http(s) URL of Restate's ingress, got ${JSON.stringify(options?.ingressUrl)}`,
    );
  }
  const ingressUrl = options.ingressUrl.replace(/\/+$/, '');
  const name = options.name ?? AGENT_STREAM_OBJECT;
  const doFetch = options.fetch ?? fetch;
  const url = (streamId: string, handler: string): string =>
    `${ingressUrl}/${encodeURIComponent(name)}/${encodeURIComponent(streamId)}/${handler}`;
  const post = async (target: string, body: unknown, signal?: AbortSignal): Promise<Response> => {
    const response = await doFetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...options.headers },
      body: JSON.stringify(body),
      ...(signal && { signal }),
    });
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      throw new Error(
        `stream log ${target} answered HTTP ${response.status}: ${text.slice(0, 300)}`,
      );
    }
    return response;
  };
  const read = async (
    streamId: string,
    request: ReadRequest = {},
    readOptions: { signal?: AbortSignal } = {},
  ): Promise<ReadResult> =>
    (await (await post(url(streamId, 'read'), request, readOptions.signal)).json()) as ReadResult;

  return {
    ingressUrl,
    name,
    async append(streamId, records, appendOptions = {}) {
      const response = await post(url(streamId, 'append'), records, appendOptions.signal);
      await response.body?.cancel();
    },
    read,
    async *frames(streamId, request = {}, framesOptions = {}) {
      let next: ReadRequest = request;
      for (;;) {
        const result = await read(streamId, next, framesOptions);
        for (const [i, chunk] of result.chunks.entries()) {
          yield { offset: result.from + i, chunk };
        }
        if (result.done || result.none || result.expired) return result;
        if (result.turn === undefined && request.from === undefined && request.turn !== undefined) {
          // Still waiting for the turn to open: ask for it again, not for an offset.
          continue;
        }
        next = {
          from: result.next,
          ...(result.turn && { turn: result.turn.id }),
          ...(request.timeoutMs !== undefined && { timeoutMs: request.timeoutMs }),
        };
      }
    },
  };
}
