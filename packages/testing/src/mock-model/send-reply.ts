import type { ServerResponse } from 'node:http';
import type { ApiDialect, RenderContext } from './api-dialect.js';
import { resolveTurn } from './resolve-turn.js';
import type { MockFault, MockReply, MockRequest } from './types.js';

/** Writes a complete JSON response. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

/**
 * Waits `ms`, unless the client goes away first (a client timeout during a `delay` fault):
 * answering a closed connection is pointless, so the caller stops when this returns false.
 */
function waitWhileOpen(response: ServerResponse, ms: number): Promise<boolean> {
  if (response.destroyed) {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      response.off('close', onClose);
      resolve(true);
    }, ms);
    response.once('close', onClose);
  });
}

/** The headers real providers use to name a request, so SDKs expose `request_id` as usual. */
function requestIdHeaders(request: MockRequest): Record<string, string> {
  const id = `req_${encodeURIComponent(request.conversation)}_${request.turnIndex}_${request.attempt}`;
  return { 'x-request-id': id, 'request-id': id };
}

function streamHeaders(request: MockRequest): Record<string, string> {
  return {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    ...requestIdHeaders(request),
  };
}

/** Sends headers and the first half of a valid answer, then drops the connection. */
function sendTruncated(response: ServerResponse, request: MockRequest, body: string): void {
  const bytes = Buffer.from(body);
  response.writeHead(
    200,
    request.stream
      ? streamHeaders(request)
      : {
          'content-type': 'application/json',
          'content-length': bytes.length,
          ...requestIdHeaders(request),
        },
  );
  // Destroy only once the partial body has left, so the client sees a broken body, not a refused request.
  response.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => response.destroy());
}

function sendMalformed(response: ServerResponse, request: MockRequest): void {
  if (request.stream) {
    response.writeHead(200, streamHeaders(request));
    response.end('event: message_start\ndata: {"malformed": tru\n\n');
    return;
  }
  const text = '{"id": "malformed", "choices": [';
  response.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...requestIdHeaders(request),
  });
  response.end(text);
}

/**
 * Answers a routed request with its scripted reply, or with the fault chosen for this attempt.
 * Resolves once the answer is written (never, for `hang`, until the connection is closed).
 */
export async function sendReply(
  response: ServerResponse,
  dialect: ApiDialect,
  request: MockRequest,
  model: string,
  reply: MockReply,
  fault: MockFault | undefined,
  includeUsage: boolean,
): Promise<void> {
  const context: RenderContext = {
    conversation: request.conversation,
    turnIndex: request.turnIndex,
    model,
  };
  const turn = resolveTurn(
    fault?.kind === 'oversized' ? { ...reply, text: 'x'.repeat(fault.bytes) } : reply,
    request,
  );
  const render = (): string =>
    request.stream
      ? dialect.renderStream(turn, context, includeUsage).join('')
      : JSON.stringify(dialect.renderJson(turn, context));
  switch (fault?.kind) {
    case 'status': {
      const message =
        `mock fault: HTTP ${fault.status} for conversation "${request.conversation}" ` +
        `at turn ${request.turnIndex}, attempt ${request.attempt}`;
      const body = fault.body ?? dialect.errorBody(fault.status, message, undefined, fault.headers);
      sendJson(response, fault.status, body, {
        ...requestIdHeaders(request),
        ...fault.headers,
      });
      return;
    }
    case 'hang':
      // Nothing is written: the socket stays open until the client gives up or close() destroys it.
      return;
    case 'reset':
      sendTruncated(response, request, render());
      return;
    case 'malformed-json':
      sendMalformed(response, request);
      return;
    case 'delay':
      if (!(await waitWhileOpen(response, fault.ms))) {
        return;
      }
      break;
    default:
      break;
  }
  if (reply.delayMs !== undefined && !(await waitWhileOpen(response, reply.delayMs))) {
    return;
  }
  if (request.stream) {
    response.writeHead(200, streamHeaders(request));
    if (!reply.chunkDelayMs) {
      response.end(render());
      return;
    }
    // One event at a time, `chunkDelayMs` apart: the client sees tokens arrive over time.
    const events = dialect.renderStream(turn, context, includeUsage);
    for (const [index, event] of events.entries()) {
      if (index > 0 && !(await waitWhileOpen(response, reply.chunkDelayMs))) return;
      response.write(event);
    }
    response.end();
    return;
  }
  sendJson(response, 200, dialect.renderJson(turn, context), requestIdHeaders(request));
}
