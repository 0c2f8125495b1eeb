import {
  type ApiDialect,
  idPart,
  isRecord,
  type ParsedRequest,
  type RenderContext,
  stringField,
} from './api-dialect.js';
import { countAssistantTurns } from './assistant-turns.js';
import type { ResolvedTurn } from './resolve-turn.js';
import { splitIntoChunks, sseEvent } from './sse.js';
import type { NormalisedMessage, NormalisedToolCall } from './types.js';

/**
 * The Gemini API's model routes: `POST /v1beta/models/{model}:generateContent` and
 * `…:streamGenerateContent?alt=sse` (also under `/v1`). Unlike the other APIs, the model is in the path.
 */
const GEMINI_ROUTE =
  /^\/v1(?:beta|alpha)?\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;

/** The key under which an argument string that is not a JSON object is sent (see {@link renderArgs}). */
export const GEMINI_UNPARSED_ARGUMENTS_KEY = '__unparsed_arguments';

function textOf(parts: readonly unknown[]): string | undefined {
  const texts = parts.flatMap((part) =>
    isRecord(part) && typeof part.text === 'string' && part.thought !== true ? [part.text] : [],
  );
  return texts.length > 0 ? texts.join('') : undefined;
}

/** One `contents[]` entry as normalised messages: a user turn may carry text and several function responses. */
function parseContent(content: unknown, index: number): NormalisedMessage[] | string {
  if (!isRecord(content)) return `contents[${index}] is not an object`;
  const parts = Array.isArray(content.parts) ? content.parts : [];
  if (content.role === 'model') {
    const toolCalls: NormalisedToolCall[] = parts.flatMap((part) =>
      isRecord(part) && isRecord(part.functionCall)
        ? [
            {
              id: stringField(part.functionCall, 'id') ?? '',
              name: stringField(part.functionCall, 'name') ?? '',
              arguments: JSON.stringify(part.functionCall.args ?? {}),
            },
          ]
        : [],
    );
    const text = textOf(parts);
    return [
      {
        role: 'assistant',
        ...(text === undefined ? {} : { text }),
        ...(toolCalls.length === 0 ? {} : { toolCalls }),
      },
    ];
  }
  if (content.role !== 'user' && content.role !== undefined && content.role !== 'function') {
    return `contents[${index}] has unknown role ${JSON.stringify(content.role)}`;
  }
  const messages: NormalisedMessage[] = [];
  const text = textOf(parts);
  if (text !== undefined) messages.push({ role: 'user', text });
  for (const part of parts) {
    if (!isRecord(part) || !isRecord(part.functionResponse)) continue;
    const toolCallId =
      stringField(part.functionResponse, 'id') ?? stringField(part.functionResponse, 'name');
    messages.push({
      role: 'tool',
      text: JSON.stringify(part.functionResponse.response ?? {}),
      ...(toolCallId === undefined ? {} : { toolCallId }),
    });
  }
  return messages.length > 0 ? messages : [{ role: 'user' }];
}

function toolNames(body: Record<string, unknown>): string[] {
  const tools = Array.isArray(body.tools) ? body.tools : [];
  return tools.flatMap((tool) =>
    isRecord(tool) && Array.isArray(tool.functionDeclarations)
      ? tool.functionDeclarations.flatMap((declared) =>
          isRecord(declared) && typeof declared.name === 'string' ? [declared.name] : [],
        )
      : [],
  );
}

function parseRequest(
  body: unknown,
  model: string,
  stream: boolean,
): ParsedRequest | { error: string } {
  if (!isRecord(body)) return { error: 'the request body must be a JSON object' };
  if (!Array.isArray(body.contents)) {
    return { error: 'generateContent request without a `contents` array' };
  }
  const messages: NormalisedMessage[] = [];
  if (isRecord(body.systemInstruction)) {
    const parts = Array.isArray(body.systemInstruction.parts) ? body.systemInstruction.parts : [];
    const text = textOf(parts);
    messages.push({ role: 'system', ...(text === undefined ? {} : { text }) });
  }
  for (const [index, content] of body.contents.entries()) {
    const parsed = parseContent(content, index);
    if (typeof parsed === 'string') return { error: parsed };
    messages.push(...parsed);
  }
  return {
    model,
    stream,
    messages,
    turnIndex: countAssistantTurns(messages),
    tools: toolNames(body),
    includeUsage: false,
  };
}

/**
 * A function call's `args`. Gemini always sends an object, so the scripted arguments are sent parsed; a
 * string that is not a JSON object (a test's "malformed arguments") is sent as
 * `{ __unparsed_arguments: "<text>" }`, which fails the tool's schema like a model's wrong arguments would.
 */
function renderArgs(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (isRecord(parsed)) return parsed;
  } catch {
    // Falls through: sent as text under a key no schema declares.
  }
  return { [GEMINI_UNPARSED_ARGUMENTS_KEY]: text };
}

const FINISH_REASONS: Readonly<Record<ResolvedTurn['finishReason'], string>> = {
  stop: 'STOP',
  // Gemini ends a turn with function calls with STOP too.
  tool_calls: 'STOP',
  length: 'MAX_TOKENS',
  content_filter: 'SAFETY',
};

function usageMetadata(turn: ResolvedTurn): Record<string, number> {
  return {
    promptTokenCount: turn.usage.inputTokens,
    candidatesTokenCount: turn.usage.outputTokens,
    totalTokenCount: turn.usage.inputTokens + turn.usage.outputTokens,
  };
}

function responseId(context: RenderContext): string {
  return `gemini-${idPart(context.conversation)}-${context.turnIndex}`;
}

function functionCallParts(turn: ResolvedTurn): Record<string, unknown>[] {
  // No `id`: the Gemini API sends none, the client makes its own.
  return turn.toolCalls.map((call) => ({
    functionCall: { name: call.name, args: renderArgs(call.arguments) },
  }));
}

function renderJson(turn: ResolvedTurn, context: RenderContext): unknown {
  const parts = [...(turn.text === '' ? [] : [{ text: turn.text }]), ...functionCallParts(turn)];
  return {
    candidates: [
      {
        content: { role: 'model', parts },
        finishReason: FINISH_REASONS[turn.finishReason],
        index: 0,
      },
    ],
    usageMetadata: usageMetadata(turn),
    modelVersion: context.model,
    responseId: responseId(context),
  };
}

/** `data:` frames with no `[DONE]`: text in pieces, each function call whole, the finish reason and usage on the last. */
function renderStream(turn: ResolvedTurn, context: RenderContext): string[] {
  // Text streams in pieces; the function calls come whole, all of a turn's in one frame, as Gemini sends
  // parallel calls (a chunk per call would make ADK's SSE aggregator yield, and run, one call per event).
  const calls = functionCallParts(turn);
  const partsPerFrame = [
    ...splitIntoChunks(turn.text).map((text) => [{ text }]),
    ...(calls.length > 0 ? [calls] : []),
  ];
  if (partsPerFrame.length === 0) partsPerFrame.push([{ text: '' }]);
  return partsPerFrame.map((parts, index) => {
    const last = index === partsPerFrame.length - 1;
    return sseEvent({
      candidates: [
        {
          content: { role: 'model', parts },
          ...(last ? { finishReason: FINISH_REASONS[turn.finishReason] } : {}),
          index: 0,
        },
      ],
      ...(last ? { usageMetadata: usageMetadata(turn) } : {}),
      modelVersion: context.model,
      responseId: responseId(context),
    });
  });
}

/** Google's canonical error status for an HTTP status (google.rpc.Code names). */
function googleStatus(status: number): string {
  switch (status) {
    case 400:
      return 'INVALID_ARGUMENT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'ABORTED';
    case 429:
      return 'RESOURCE_EXHAUSTED';
    case 499:
      return 'CANCELLED';
    case 501:
      return 'NOT_IMPLEMENTED';
    case 503:
      return 'UNAVAILABLE';
    case 504:
      return 'DEADLINE_EXCEEDED';
    default:
      return status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION';
  }
}

function header(headers: Record<string, string> | undefined, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}

/**
 * The Gemini API's error JSON. A fault sent with `retry-after` (or `retry-after-ms`) also carries the delay
 * where Gemini puts it, a `google.rpc.RetryInfo` detail, since `@google/genai` drops the response headers.
 */
function errorBody(
  status: number,
  message: string,
  _code?: string,
  headers?: Record<string, string>,
): unknown {
  const afterMs = header(headers, 'retry-after-ms');
  const after = header(headers, 'retry-after');
  const seconds =
    afterMs !== undefined && Number.isFinite(Number(afterMs))
      ? Number(afterMs) / 1000
      : after !== undefined && Number.isFinite(Number(after))
        ? Number(after)
        : undefined;
  return {
    error: {
      code: status,
      message,
      status: googleStatus(status),
      ...(seconds === undefined
        ? {}
        : {
            details: [
              { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${seconds}s` },
            ],
          }),
    },
  };
}

/** The Gemini dialect for one request: the model and whether to stream come from the path. */
function geminiDialect(model: string, stream: boolean): ApiDialect {
  return {
    api: 'gemini',
    parseRequest: (body) => parseRequest(body, model, stream),
    renderJson,
    renderStream: (turn, context) => renderStream(turn, context),
    errorBody,
  };
}

/**
 * The Gemini API (`generateContent`, `streamGenerateContent?alt=sse`) for a request path, or undefined when
 * the path is not one of its model routes.
 */
export function geminiRoute(path: string): ApiDialect | undefined {
  const match = GEMINI_ROUTE.exec(path);
  if (!match) return undefined;
  return geminiDialect(
    decodeURIComponent(match[1] as string),
    match[2] === 'streamGenerateContent',
  );
}
