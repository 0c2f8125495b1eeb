import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { anthropicMessagesDialect } from './anthropic-messages.js';
import { type ApiDialect, isRecord } from './api-dialect.js';
import { chatCompletionsDialect } from './chat-completions.js';
import { geminiRoute } from './gemini.js';
import { responsesDialect } from './responses.js';
import { AttemptCounter, faultForAttempt, selectReply } from './script.js';
import { sendJson, sendReply } from './send-reply.js';
import type { MockRequest, MockRequestRecord, MockScript } from './types.js';

/** Options of {@link startMockModel}. */
export interface StartMockModelOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Script for conversations that were never registered; without it they get 404. */
  defaultScript?: MockScript;
}

/** A running scripted model server; see {@link startMockModel}. */
export interface MockModelServer {
  /** `http://HOST:PORT`. */
  readonly url: string;
  /** `${url}/v1`, the `baseURL` for the `openai` SDK and OpenAI-compatible clients. */
  readonly openaiBaseUrl: string;
  /** `${url}`, the `baseURL` for `@anthropic-ai/sdk`, which appends `/v1/messages` itself. */
  readonly anthropicBaseUrl: string;
  /** `${url}`, the `httpOptions.baseUrl` for `@google/genai` (and ADK's `Gemini`), which appends `/v1beta/models/…`. */
  readonly geminiBaseUrl: string;
  /** Registers or replaces the script of a conversation. */
  conversation(id: string, script: MockScript): void;
  /** Every request served, in the order they were routed. */
  readonly requests: readonly MockRequestRecord[];
  /** The logged requests of one conversation. */
  requestsFor(conversation: string): MockRequestRecord[];
  /** Forgets scripts, attempt counters and the log. */
  reset(): void;
  /** Stops listening and destroys open sockets, which ends hanging requests. */
  close(): Promise<void>;
}

const dialects: ReadonlyMap<string, ApiDialect> = new Map([
  ['/v1/chat/completions', chatCompletionsDialect],
  ['/v1/responses', responsesDialect],
  ['/v1/messages', anthropicMessagesDialect],
]);

/** Everything the server remembers; request handlers read and append, `reset()` clears. */
interface ServerState {
  readonly scripts: Map<string, MockScript>;
  readonly defaultScript: MockScript | undefined;
  readonly attempts: AttemptCounter;
  readonly log: MockRequestRecord[];
  /** Set by close(): connections it destroys are not the client giving up. */
  closing: boolean;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describeKnownConversations(state: ServerState): string {
  const known = [...state.scripts.keys()].map((id) => JSON.stringify(id));
  return known.length === 0 ? 'none are registered' : `registered: ${known.join(', ')}`;
}

async function handleModelRequest(
  state: ServerState,
  dialect: ApiDialect,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const rawBody = await readBody(request);
  const receivedAt = Date.now();
  const headerConversation = headerValue(request, 'x-mock-conversation');

  const rejectBadRequest = (message: string, body: unknown): void => {
    const model = isRecord(body) && typeof body.model === 'string' ? body.model : undefined;
    state.log.push({
      conversation: headerConversation ?? model ?? '',
      api: dialect.api,
      stream: isRecord(body) && body.stream === true,
      turnIndex: 0,
      attempt: 0,
      messages: [],
      tools: [],
      body,
      receivedAt,
      outcome: 'bad-request',
    });
    sendJson(response, 400, dialect.errorBody(400, `mock model: ${message}`, 'bad_request'));
  };

  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch (error) {
    rejectBadRequest(`the request body is not valid JSON (${errorMessage(error)})`, rawBody);
    return;
  }
  const parsed = dialect.parseRequest(body);
  if ('error' in parsed) {
    rejectBadRequest(parsed.error, body);
    return;
  }
  const conversation = headerConversation ?? parsed.model;
  if (conversation === undefined || conversation === '') {
    rejectBadRequest(
      'no conversation: send an `x-mock-conversation` header or a `model` naming the conversation',
      body,
    );
    return;
  }

  const lastToolResult = parsed.messages.findLast((message) => message.role === 'tool')?.text;
  const script = state.scripts.get(conversation) ?? state.defaultScript;
  const mockRequest: MockRequest = {
    conversation,
    api: dialect.api,
    stream: parsed.stream,
    turnIndex: parsed.turnIndex,
    // A request no script could answer uses up no attempt, so a script registered late still
    // sees its faults from attempt 1.
    attempt: script === undefined ? 0 : state.attempts.next(conversation, parsed.turnIndex),
    messages: parsed.messages,
    ...(lastToolResult === undefined ? {} : { lastToolResult }),
    tools: parsed.tools,
    body,
  };
  const log = (outcome: MockRequestRecord['outcome'], fault?: MockRequestRecord['fault']): void => {
    const record: MockRequestRecord = {
      ...mockRequest,
      receivedAt,
      outcome,
      ...(fault === undefined ? {} : { fault }),
    };
    state.log.push(record);
    // A connection closed before the answer was complete, not by close(): the client gave up (an aborted
    // attempt, a timeout, a crash). Tests of abort signals read it from the record.
    // (`reset` destroys the socket on purpose: that close is the server's.)
    if (fault === 'reset') return;
    response.once('close', () => {
      if (!response.writableFinished && !state.closing) record.clientClosedAt = Date.now();
    });
  };

  if (script === undefined) {
    log('no-script');
    const message =
      `mock model: no script for conversation "${conversation}" (${describeKnownConversations(state)}). ` +
      `Register it with mock.conversation(${JSON.stringify(conversation)}, [...]), or pass a defaultScript.`;
    sendJson(response, 404, dialect.errorBody(404, message, 'conversation_not_found'));
    return;
  }

  let selection: Awaited<ReturnType<typeof selectReply>>;
  try {
    selection = await selectReply(script, mockRequest);
  } catch (error) {
    log('script-error');
    const message =
      `mock model: the script of conversation "${conversation}" threw at turn ${parsed.turnIndex} ` +
      `(attempt ${mockRequest.attempt}): ${errorMessage(error)}`;
    sendJson(response, 500, dialect.errorBody(500, message, 'script_error'));
    return;
  }
  if (selection.kind === 'exhausted') {
    log('no-script');
    const message =
      `mock model: the script of conversation "${conversation}" has ${selection.scriptedTurns} ` +
      `turn(s), but the request is at turn index ${parsed.turnIndex} (attempt ${mockRequest.attempt}). ` +
      'Add a reply, or find out why the agent made another model call.';
    sendJson(response, 400, dialect.errorBody(400, message, 'mock_script_exhausted'));
    return;
  }

  const fault = faultForAttempt(selection.reply, mockRequest.attempt);
  const answers = fault === undefined || fault.kind === 'delay' || fault.kind === 'oversized';
  log(answers ? 'answered' : 'fault', fault?.kind);
  await sendReply(
    response,
    dialect,
    mockRequest,
    parsed.model ?? conversation,
    selection.reply,
    fault,
    parsed.includeUsage,
  );
}

async function handleRequest(
  state: ServerState,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  if (request.method === 'GET' && path === '/v1/models') {
    sendJson(response, 200, {
      object: 'list',
      data: [...state.scripts.keys()].map((id) => ({
        id,
        object: 'model',
        created: 1_700_000_000,
        owned_by: 'restate-agents-mock-model',
      })),
    });
    return;
  }
  const dialect = request.method === 'POST' ? (dialects.get(path) ?? geminiRoute(path)) : undefined;
  if (dialect === undefined) {
    const message =
      `mock model: no route for ${request.method} ${path}; it serves POST /v1/chat/completions, ` +
      'POST /v1/responses, POST /v1/messages, POST /v1beta/models/{model}:generateContent, ' +
      '…:streamGenerateContent and GET /v1/models';
    sendJson(response, 404, chatCompletionsDialect.errorBody(404, message, 'unknown_route'));
    return;
  }
  await handleModelRequest(state, dialect, request, response);
}

/**
 * Starts a scripted model server on loopback that speaks the OpenAI (Chat Completions, Responses), Anthropic
 * Messages and Gemini (`generateContent`) APIs.
 *
 * Real SDK clients reach it by base URL only. A request is routed to a conversation by its
 * `x-mock-conversation` header, else by its `model`, so give each conversation its own model name.
 * Array scripts are indexed by the number of assistant turns in the request's history, so a
 * retried request — even one sent by a new process after a crash — gets the same reply; faults are
 * applied by attempt. Every request is logged in `requests`.
 *
 * @example
 * ```ts
 * const mock = await startMockModel();
 * mock.conversation('conv-1', [
 *   { toolCalls: [{ name: 'getWeather', arguments: { city: 'Oslo' } }],
 *     faults: [{ kind: 'status', status: 429, headers: { 'retry-after': '0' } }] },
 *   { text: 'It is sunny.' },
 * ]);
 * const client = new OpenAI({ baseURL: mock.openaiBaseUrl, apiKey: 'test' });
 * // ... client.chat.completions.create({ model: 'conv-1', messages }) ...
 * await mock.close();
 * ```
 */
export async function startMockModel(
  options: StartMockModelOptions = {},
): Promise<MockModelServer> {
  const state: ServerState = {
    scripts: new Map(),
    defaultScript: options.defaultScript,
    attempts: new AttemptCounter(),
    log: [],
    closing: false,
  };
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    handleRequest(state, request, response).catch((error: unknown) => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      sendJson(
        response,
        500,
        chatCompletionsDialect.errorBody(500, `mock model: ${errorMessage(error)}`, 'internal'),
      );
    });
  });
  // Tracked so close() can end hanging requests and idle keep-alive connections at once.
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    openaiBaseUrl: `${url}/v1`,
    anthropicBaseUrl: url,
    geminiBaseUrl: url,
    conversation(id, script) {
      state.scripts.set(id, script);
    },
    get requests() {
      return state.log;
    },
    requestsFor(conversation) {
      return state.log.filter((record) => record.conversation === conversation);
    },
    reset() {
      state.scripts.clear();
      state.attempts.clear();
      state.log.length = 0;
    },
    close() {
      state.closing = true;
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) {
          socket.destroy();
        }
      });
      return closing;
    },
  };
}
