/**
 * Web-backend handlers for a chat UI (`useChat`) over a durable agent with live streaming: the POST starts
 * the agent's turn (an ingress one-way send, idempotent per user message) and answers with the turn's frames
 * as SSE; GET resumes from an offset; stop cancels the turn. Web-standard `Request`/`Response`, so they fit
 * Next.js route handlers, Hono, Bun, Deno or `node:http` through a small adapter.
 *
 * SSE format (AI SDK UI message stream protocol, v1): one event per frame, `id: <offset>` then
 * `data: <UIMessageChunk JSON>`, and `data: [DONE]` at the turn's end. The AI SDK's own client reads only the
 * `data` lines; `RestateChatTransport` also reads the ids to resume where it stopped.
 */
import {
  AGENT_STREAM_OBJECT,
  type ReadRequest,
  type ReadResult,
  type StreamClient,
  streamClient,
} from '@restate-agents/core';

/** Options of {@link createChatHandlers}. */
export interface ChatHandlersOptions {
  /** Restate's ingress as the backend reaches it, e.g. `http://localhost:8080`. */
  ingressUrl: string;
  /** Restate's admin API (e.g. `http://localhost:9070`): needed by `stop`, which cancels the invocation. */
  adminUrl?: string;
  /**
   * The agent handler a POST starts: a Virtual Object keyed by the chat id (so a chat's turns run one at a
   * time). It receives the POST's JSON body (`{ id, messages, trigger, messageId, ...body }`).
   */
  agent: { service: string; handler: string };
  /** The stream log object's name (default `AgentStream`). */
  streamObject?: string;
  /** The stream id of a chat (default: the chat id itself). Stream ids must be unguessable. */
  streamId?: (chatId: string) => string;
  /** Extra headers on every request to Restate (e.g. an auth token). */
  headers?: Record<string, string>;
  /** The `fetch` to use (default the global one). */
  fetch?: typeof fetch;
  /** A comment line keeps idle connections open (ms, default 15 s). */
  keepAliveMs?: number;
}

/** The handlers: mount POST at `/api/chat`, GET at `/api/chat/:id/stream`, stop at `/api/chat/:id/stop`. */
export interface ChatHandlers {
  /** Starts the turn and streams it. */
  POST(request: Request): Promise<Response>;
  /**
   * Streams the active turn from its start (204 when there is none), or from `?offset=N` / `Last-Event-ID`
   * (then through the end of that turn). The chat id comes from `params.id` or the path `…/:id/stream`.
   */
  GET(request: Request, params?: { id?: string }): Promise<Response>;
  /** Cancels the active turn (204 when there is none). The chat id as for `GET`. */
  stop(request: Request, params?: { id?: string }): Promise<Response>;
  /** The stream log client the handlers read with. */
  readonly log: StreamClient;
}

/** The headers of a UI message stream answer (as the AI SDK's own `UI_MESSAGE_STREAM_HEADERS`). */
const SSE_HEADERS: Record<string, string> = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-vercel-ai-ui-message-stream': 'v1',
  'x-accel-buffering': 'no',
};

/**
 * Handlers for a chat UI backed by a durable agent with live streaming.
 *
 * @example
 * const chat = createChatHandlers({ ingressUrl, adminUrl, agent: { service: 'ChatAgent', handler: 'chat' } });
 * // app/api/chat/route.ts:            export const POST = chat.POST;
 * // app/api/chat/[id]/stream/route.ts: export const GET = (req, { params }) => chat.GET(req, await params);
 */
export function createChatHandlers(options: ChatHandlersOptions): ChatHandlers {
  if (!options?.agent?.service || !options.agent.handler) {
    throw new TypeError(
      'createChatHandlers: agent must name the agent handler, e.g. { service: "ChatAgent", handler: "chat" }',
    );
  }
  const log = streamClient({
    ingressUrl: options.ingressUrl,
    name: options.streamObject ?? AGENT_STREAM_OBJECT,
    ...(options.headers && { headers: options.headers }),
    ...(options.fetch && { fetch: options.fetch }),
  });
  const doFetch = options.fetch ?? fetch;
  const streamIdOf = options.streamId ?? ((chatId: string) => chatId);
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const ingressUrl = log.ingressUrl;

  /** Waits for the invocation to end: `{ ok }`, or `{ ok: false, error }` with its failure message. */
  const watchInvocation = async (
    invocationId: string,
    signal: AbortSignal,
  ): Promise<{ ok: boolean; error?: string }> => {
    const response = await doFetch(
      `${ingressUrl}/restate/invocation/${encodeURIComponent(invocationId)}/attach`,
      { ...(options.headers && { headers: options.headers }), signal },
    );
    const text = await response.text().catch(() => '');
    if (response.ok) return { ok: true };
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {}
    return { ok: false, error: message || `HTTP ${response.status}` };
  };

  /**
   * The frames of one turn as SSE. Beside the log it watches the turn's invocation: an agent that ended without
   * ending its turn (it threw before `pipeUIMessageStream` finished) would leave readers waiting forever, so the
   * backend ends the turn in the log itself (an error frame for a failure).
   */
  const sse = (
    streamId: string,
    request: ReadRequest,
    signal: AbortSignal,
    extra: Record<string, string> = {},
  ): Response => {
    const encoder = new TextEncoder();
    const abort = new AbortController();
    signal.addEventListener('abort', () => abort.abort(), { once: true });
    let timer: ReturnType<typeof setInterval> | undefined;
    const send = (controller: ReadableStreamDefaultController<Uint8Array>, text: string): void =>
      controller.enqueue(encoder.encode(text));
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        timer = setInterval(() => send(controller, ': keep-alive\n\n'), keepAliveMs);
        let next: ReadRequest = request;
        let watched: string | undefined;
        let over: { ok: boolean; error?: string } | undefined;
        let reading: AbortController | undefined;
        const watch = (turn: string): void => {
          if (watched !== undefined) return;
          watched = turn;
          watchInvocation(turn, abort.signal)
            .then((outcome) => {
              over = outcome;
              reading?.abort();
            })
            .catch(() => undefined);
        };
        if (request.turn !== undefined && request.turn !== 'active') watch(request.turn);
        try {
          for (;;) {
            reading = new AbortController();
            const ended = over;
            let result: ReadResult | undefined;
            try {
              // Once the invocation is over, wait only briefly for its last records to land.
              result = await log.read(streamId, ended ? { ...next, timeoutMs: 1_000 } : next, {
                signal: AbortSignal.any([abort.signal, reading.signal]),
              });
            } catch (error) {
              if (abort.signal.aborted) return;
              if (!reading.signal.aborted) throw error;
            }
            if (result) {
              for (const [i, chunk] of result.chunks.entries()) {
                send(controller, `id: ${result.from + i}\ndata: ${JSON.stringify(chunk)}\n\n`);
              }
              if (result.done || result.none || result.expired) break;
              if (result.turn) {
                watch(result.turn.id);
                next = { from: result.next, turn: result.turn.id };
              }
            }
            // The invocation ended (seen before this read began) and the turn is still open: end it here.
            if (ended && (!result || result.chunks.length === 0)) {
              const turn = result?.turn?.id;
              if (!turn) {
                // It never opened its turn (it failed first): nothing to read; tell the client why.
                const errorText = ended.error ?? 'The agent ended without streaming an answer.';
                send(controller, `data: ${JSON.stringify({ type: 'error', errorText })}\n\n`);
                break;
              }
              await log.append(streamId, [
                ended.ok
                  ? { kind: 'end', turn, outcome: 'done' }
                  : {
                      kind: 'end',
                      turn,
                      outcome: 'error',
                      error: ended.error ?? 'The agent failed.',
                    },
              ]);
            }
          }
          send(controller, 'data: [DONE]\n\n');
          controller.close();
        } catch (error) {
          // A closed connection is not an error of the turn: the client reconnects with its last id.
          if (!abort.signal.aborted) controller.error(error);
        } finally {
          clearInterval(timer);
          abort.abort();
        }
      },
      cancel() {
        clearInterval(timer);
        abort.abort();
      },
    });
    return new Response(body, { headers: { ...SSE_HEADERS, ...extra } });
  };

  const chatIdOf = (
    request: Request,
    params: { id?: string } | undefined,
    suffix: string,
  ): string => {
    const fromParams = params?.id;
    if (fromParams) return fromParams;
    const path = new URL(request.url).pathname.split('/').filter(Boolean);
    const at = path.lastIndexOf(suffix);
    const id = at > 0 ? path[at - 1] : undefined;
    if (!id)
      throw new ChatRequestError(`expected the chat id in params.id or the path …/:id/${suffix}`);
    return decodeURIComponent(id);
  };

  return {
    log,
    async POST(request) {
      let body: { id?: unknown; messages?: unknown; trigger?: unknown };
      try {
        body = (await request.json()) as typeof body;
      } catch {
        return badRequest('the body must be JSON: { id, messages, ... } as useChat sends it');
      }
      if (typeof body?.id !== 'string' || body.id.length === 0) {
        return badRequest('the body needs the chat id as a non-empty string `id`');
      }
      if (!Array.isArray(body.messages))
        return badRequest('the body needs `messages`, an array of UI messages');
      const chatId = body.id;
      const last = body.messages.at(-1) as { id?: unknown } | undefined;
      const { service, handler } = options.agent;
      const started = await doFetch(
        `${ingressUrl}/${encodeURIComponent(service)}/${encodeURIComponent(chatId)}/${encodeURIComponent(handler)}/send`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            // A re-sent POST for the same user message attaches to the same turn instead of starting another;
            // a regeneration is a new turn for the same last message, so it gets no key.
            ...(typeof last?.id === 'string' &&
              body.trigger !== 'regenerate-message' && {
                'idempotency-key': `${chatId}:${last.id}`,
              }),
            ...options.headers,
          },
          body: JSON.stringify(body),
        },
      );
      if (!started.ok) {
        const text = await started.text().catch(() => '');
        return new Response(
          `starting the agent failed: HTTP ${started.status} ${text.slice(0, 300)}`,
          {
            status: 502,
          },
        );
      }
      const { invocationId } = (await started.json()) as { invocationId: string };
      return sse(streamIdOf(chatId), { turn: invocationId }, request.signal, {
        'x-restate-invocation-id': invocationId,
      });
    },

    async GET(request, params) {
      let chatId: string;
      try {
        chatId = chatIdOf(request, params, 'stream');
      } catch (error) {
        return badRequest((error as Error).message);
      }
      const streamId = streamIdOf(chatId);
      const url = new URL(request.url);
      const lastEventId = request.headers.get('last-event-id');
      const raw =
        url.searchParams.get('offset') ??
        (lastEventId === null ? null : String(Number(lastEventId) + 1));
      if (raw !== null) {
        const from = Number(raw);
        if (!Number.isInteger(from) || from < 0) {
          return badRequest(`offset must be a non-negative integer, got ${JSON.stringify(raw)}`);
        }
        return sse(streamId, { from }, request.signal);
      }
      // No offset: the active turn from its start (a replay; useChat resets the message at `start`).
      const first = await log.read(streamId, { turn: 'active', timeoutMs: 0 });
      if (first.none || first.expired || !first.turn) return new Response(null, { status: 204 });
      return sse(streamId, { from: first.turn.start, turn: first.turn.id }, request.signal, {
        'x-restate-invocation-id': first.turn.id,
      });
    },

    async stop(request, params) {
      let chatId: string;
      try {
        chatId = chatIdOf(request, params, 'stop');
      } catch (error) {
        return badRequest((error as Error).message);
      }
      if (!options.adminUrl) {
        return new Response('stop needs adminUrl (Restate admin API) in createChatHandlers', {
          status: 501,
        });
      }
      const streamId = streamIdOf(chatId);
      const active = await log.read(streamId, { turn: 'active', timeoutMs: 0 });
      const turn = active.turn?.id;
      if (!turn || active.none) return new Response(null, { status: 204 });
      const cancelled = await doFetch(
        `${options.adminUrl.replace(/\/+$/, '')}/invocations/${encodeURIComponent(turn)}/cancel`,
        { method: 'PATCH', ...(options.headers && { headers: options.headers }) },
      );
      // 404/409: the invocation is gone or completed meanwhile; ending the turn in the log is all that is left.
      const over = cancelled.status === 404 || cancelled.status === 409;
      if (!cancelled.ok && !over) {
        const text = await cancelled.text().catch(() => '');
        return new Response(
          `cancelling ${turn} failed: HTTP ${cancelled.status} ${text.slice(0, 300)}`,
          {
            status: 502,
          },
        );
      }
      // Readers stop at once; a late record of the cancelled turn is dropped by the log.
      await log.append(streamId, [{ kind: 'end', turn, outcome: 'cancelled' }]);
      return over ? new Response(null, { status: 204 }) : Response.json({ cancelled: turn });
    },
  };
}

class ChatRequestError extends Error {}

function badRequest(message: string): Response {
  return new Response(`restate-agents chat handler: ${message}`, { status: 400 });
}
