/**
 * The browser half of live streaming: a `ChatTransport` for `useChat` that talks to `createChatHandlers` and
 * survives dropped connections by resuming from the last frame's offset (`id:` of the SSE stream), so the
 * message gets no gap and no duplicate. A reload with `useChat({ resume: true })` replays the active turn from
 * its start. Imports nothing at runtime (types only), so a web bundle never pulls in the Restate SDK.
 */
import type { ChatRequestOptions, ChatTransport, UIMessage, UIMessageChunk } from 'ai';
import { readSseFrames } from './sse-frames.js';

/** Options of {@link RestateChatTransport}. */
export interface RestateChatTransportOptions {
  /** The POST endpoint (default `/api/chat`); GET `${api}/:id/stream` resumes, POST `${api}/:id/stop` stops. */
  api?: string;
  /** Headers on every request (or a function returning them). */
  headers?:
    | Record<string, string>
    | (() => Record<string, string> | Promise<Record<string, string>>);
  /** Extra JSON fields of the POST body. */
  body?: Record<string, unknown>;
  /** `fetch`'s credentials mode (e.g. `'include'` for cookies across origins). */
  credentials?: 'omit' | 'same-origin' | 'include';
  /** The `fetch` to use (default the global one). */
  fetch?: typeof fetch;
  /** Reconnects in a row before giving up on a dropped stream (default 5). */
  maxReconnects?: number;
  /** Wait before a reconnect (ms, default 500, doubling per failed try). */
  reconnectDelayMs?: number;
  /** Whether `useChat`'s `stop()` (an aborted request) also stops the agent through the stop endpoint (default `true`). */
  stopOnAbort?: boolean;
}

/**
 * A `useChat` transport for `createChatHandlers`: streams live tokens, resumes by offset after a dropped
 * connection, replays the active turn on `resume`.
 *
 * @example
 * const chat = useChat({ id: chatId, resume: true, transport: new RestateChatTransport({ api: '/api/chat' }) });
 */
export class RestateChatTransport<UI_MESSAGE extends UIMessage = UIMessage>
  implements ChatTransport<UI_MESSAGE>
{
  /** A resumed stream replays the turn from its `start`, so `useChat` resets the message first. */
  readonly resumeStreamIsReplay: boolean = true;
  private readonly api: string;
  private readonly options: RestateChatTransportOptions;

  constructor(options: RestateChatTransportOptions = {}) {
    this.options = options;
    this.api = (options.api ?? '/api/chat').replace(/\/+$/, '');
  }

  async sendMessages(
    request: {
      trigger: 'submit-message' | 'regenerate-message';
      chatId: string;
      messageId: string | undefined;
      messages: UI_MESSAGE[];
      abortSignal: AbortSignal | undefined;
    } & ChatRequestOptions,
  ): Promise<ReadableStream<UIMessageChunk>> {
    const { chatId, messages, trigger, messageId, abortSignal } = request;
    const response = await this.fetch(this.api, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(await this.headers()),
        ...toRecord(request.headers),
      },
      body: JSON.stringify({
        ...this.options.body,
        ...(request.body as Record<string, unknown> | undefined),
        id: chatId,
        messages,
        trigger,
        messageId,
      }),
      ...(this.options.credentials && { credentials: this.options.credentials }),
      ...(abortSignal && { signal: abortSignal }),
    });
    if (!response.ok || !response.body) {
      throw new Error(
        `RestateChatTransport: POST ${this.api} answered HTTP ${response.status}: ${await response.text()}`,
      );
    }
    if (abortSignal && this.options.stopOnAbort !== false) {
      abortSignal.addEventListener('abort', () => void this.stop(chatId), { once: true });
    }
    return this.follow(chatId, response.body, abortSignal);
  }

  async reconnectToStream(
    request: { chatId: string; abortSignal?: AbortSignal } & ChatRequestOptions,
  ): Promise<ReadableStream<UIMessageChunk> | null> {
    const response = await this.fetch(`${this.api}/${encodeURIComponent(request.chatId)}/stream`, {
      headers: { ...(await this.headers()), ...toRecord(request.headers) },
      ...(this.options.credentials && { credentials: this.options.credentials }),
      ...(request.abortSignal && { signal: request.abortSignal }),
    });
    if (response.status === 204) return null;
    if (!response.ok || !response.body) {
      throw new Error(
        `RestateChatTransport: resuming chat ${request.chatId} answered HTTP ${response.status}`,
      );
    }
    return this.follow(request.chatId, response.body, request.abortSignal);
  }

  /** Stops the agent's active turn (`POST ${api}/:id/stop`). */
  async stop(chatId: string): Promise<void> {
    await this.fetch(`${this.api}/${encodeURIComponent(chatId)}/stop`, {
      method: 'POST',
      headers: await this.headers(),
      ...(this.options.credentials && { credentials: this.options.credentials }),
    }).catch(() => undefined);
  }

  /** The chunks of `body`, then of reconnects from the last offset seen, until `[DONE]`. */
  private follow(
    chatId: string,
    first: ReadableStream<Uint8Array>,
    abortSignal: AbortSignal | undefined,
  ): ReadableStream<UIMessageChunk> {
    const maxReconnects = this.options.maxReconnects ?? 5;
    const delayMs = this.options.reconnectDelayMs ?? 500;
    let body: ReadableStream<Uint8Array> | undefined = first;
    let last: number | undefined;
    let failures = 0;
    const transport = this;
    async function* chunks(): AsyncGenerator<UIMessageChunk> {
      for (;;) {
        try {
          if (!body) {
            const from = last === undefined ? '' : `?offset=${last + 1}`;
            const response = await transport.fetch(
              `${transport.api}/${encodeURIComponent(chatId)}/stream${from}`,
              {
                headers: await transport.headers(),
                ...(transport.options.credentials && {
                  credentials: transport.options.credentials,
                }),
                ...(abortSignal && { signal: abortSignal }),
              },
            );
            if (response.status === 204) return;
            if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
            body = response.body;
          }
          for await (const frame of readSseFrames(body)) {
            if (frame.data === '[DONE]') return;
            // Resuming without an offset replays the turn: skip what this stream already delivered.
            if (frame.offset !== undefined && last !== undefined && frame.offset <= last) continue;
            if (frame.offset !== undefined) last = frame.offset;
            failures = 0;
            yield JSON.parse(frame.data) as UIMessageChunk;
          }
          // The answer ended without [DONE]: the connection dropped; resume from the last offset.
          throw new Error('stream ended early');
        } catch (error) {
          if (abortSignal?.aborted) return;
          failures += 1;
          if (failures > maxReconnects) throw error;
          body = undefined;
          await new Promise((resolve) => setTimeout(resolve, delayMs * 2 ** (failures - 1)));
        }
      }
    }
    const iterator = chunks();
    return new ReadableStream<UIMessageChunk>({
      async pull(controller) {
        try {
          const { done, value } = await iterator.next();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (error) {
          controller.error(error);
        }
      },
      async cancel() {
        await iterator.return(undefined);
      },
    });
  }

  private fetch(input: string, init: RequestInit): Promise<Response> {
    return (this.options.fetch ?? globalThis.fetch)(input, init);
  }

  private async headers(): Promise<Record<string, string>> {
    const { headers } = this.options;
    return typeof headers === 'function' ? await headers() : (headers ?? {});
  }
}

function toRecord(headers: ChatRequestOptions['headers']): Record<string, string> {
  if (!headers) return {};
  if (headers instanceof Headers) return Object.fromEntries(headers.entries());
  return headers as Record<string, string>;
}
