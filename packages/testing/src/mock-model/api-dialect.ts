import type { ResolvedTurn } from './resolve-turn.js';
import type { MockApiName, NormalisedMessage } from './types.js';

/** What a dialect reads from a request body. */
export interface ParsedRequest {
  /** The body's `model`, the conversation when no `x-mock-conversation` header is sent. */
  model: string | undefined;
  stream: boolean;
  messages: NormalisedMessage[];
  turnIndex: number;
  tools: string[];
  /** Chat Completions `stream_options.include_usage`: send a final usage chunk. */
  includeUsage: boolean;
}

/** Where an answer goes: ids and timestamps are derived from these, so answers are deterministic. */
export interface RenderContext {
  conversation: string;
  turnIndex: number;
  /** Echoed as the response's `model`. */
  model: string;
}

/** One provider API: how to read its requests and how to write its answers and errors. */
export interface ApiDialect {
  api: MockApiName;
  /** Returns the request's normalised view, or why the body is not a valid request. */
  parseRequest(body: unknown): ParsedRequest | { error: string };
  renderJson(turn: ResolvedTurn, context: RenderContext): unknown;
  /** The complete stream as SSE frames, already encoded. */
  renderStream(turn: ResolvedTurn, context: RenderContext, includeUsage: boolean): string[];
  /**
   * The API's error JSON for a status; `headers` are the fault's response headers (Gemini copies a
   * `retry-after` into the body).
   */
  errorBody(
    status: number,
    message: string,
    code?: string,
    headers?: Record<string, string>,
  ): unknown;
}

/** Fixed `created` timestamps: a retried request must get byte-identical answers. */
export function createdAt(turnIndex: number): number {
  return 1_700_000_000 + turnIndex;
}

/** The conversation name reduced to characters that are safe inside ids. */
export function idPart(conversation: string): string {
  return conversation.replace(/[^A-Za-z0-9_-]/g, '-');
}

/** Anthropic's error `type` for a status; OpenAI-style bodies use the same names. */
export function errorTypeForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

/** Narrows to a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The text of a message's `content`: a string as is, or the `text` of each part of an array
 * (`text`, `input_text`, `output_text`, Anthropic `text` blocks) joined; undefined when there is none.
 */
export function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') {
    return content;
  }
  if (!Array.isArray(content)) {
    return undefined;
  }
  const texts = content.flatMap((part) =>
    isRecord(part) && typeof part.text === 'string' ? [part.text] : [],
  );
  return texts.length > 0 ? texts.join('') : undefined;
}

/** A string field of a JSON object, or undefined. */
export function stringField(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' ? value : undefined;
}
