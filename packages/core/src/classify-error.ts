/**
 * Rule R2: provider errors are classified once, here, for every SDK. Requests that cannot succeed on a
 * retry (bad request, auth, not found, too large, context length, content filter) are terminal at once;
 * overload, rate limits, server errors, timeouts and broken connections are retried, honouring the
 * provider's `retry-after`, `retry-after-ms` and `x-should-retry`. Errors are read by shape, not class:
 * `openai` and `@anthropic-ai/sdk` `APIError`s, `@google/genai` `ApiError` (its retry delay read from the body's
 * `RetryInfo`), AI SDK `APICallError`, LangChain/axios-style errors,
 * fetch/undici network errors (codes in `cause`), abort and timeout errors.
 */
import { controlErrorKind, findControlError } from './control-errors.js';
import { walkErrorGraph } from './error-graph.js';

/** Why an error was classified the way it was. */
export type ErrorReason =
  | 'restate-control'
  | 'bad-request'
  | 'authentication'
  | 'permission-denied'
  | 'not-found'
  | 'payload-too-large'
  | 'unprocessable'
  | 'context-length'
  | 'content-filter'
  | 'client-error'
  | 'request-timeout'
  | 'conflict'
  | 'rate-limit'
  | 'server-error'
  | 'network'
  | 'timeout'
  | 'aborted'
  | 'invalid-response'
  | 'unknown';

/** The verdict on one error: retry it (perhaps after a delay) or stop at once. */
export interface ErrorClassification {
  retryable: boolean;
  reason: ErrorReason;
  /** The HTTP status of the provider's response, when there was one. */
  status?: number;
  /** How long the provider asked to wait before the next attempt. */
  retryAfterMs?: number;
}

type HeaderBag = { get(name: string): string | null | undefined } | Record<string, unknown>;

const TERMINAL_STATUS_REASONS: Readonly<Record<number, ErrorReason>> = {
  400: 'bad-request',
  401: 'authentication',
  403: 'permission-denied',
  404: 'not-found',
  413: 'payload-too-large',
  422: 'unprocessable',
};

const RETRYABLE_STATUS_REASONS: Readonly<Record<number, ErrorReason>> = {
  408: 'request-timeout',
  409: 'conflict',
  429: 'rate-limit',
};

/** Node, undici and fetch codes of connections that broke or never formed: worth another attempt. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_ABORTED',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

const CONTEXT_LENGTH_CODES: ReadonlySet<string> = new Set([
  'context_length_exceeded',
  'string_above_max_length',
  'model_context_window_exceeded',
]);
const CONTEXT_LENGTH_MESSAGE =
  /context[ _-]?(length|window)|maximum context|prompt is too long|too many tokens|input is too long|reduce the length of the messages/i;

const CONTENT_FILTER_CODES: ReadonlySet<string> = new Set([
  'content_filter',
  'content_policy_violation',
  'content_management_policy',
  'safety',
]);
const CONTENT_FILTER_MESSAGE =
  /content (management )?polic|content[ _-]filter|flagged by (our|the) safety/i;

/** Classifies any error thrown by an LLM SDK, HTTP client or tool into retryable or terminal. */
export function classifyError(error: unknown): ErrorClassification {
  const control = findControlError(error);
  if (control) return { retryable: false, reason: 'restate-control' };

  const status = findStatus(error);
  const headers = findHeaders(error);
  // Gemini (`@google/genai`'s ApiError) drops the response headers and puts the delay in the body instead.
  const retryAfterMs = (headers ? readRetryAfterMs(headers) : undefined) ?? readRetryInfoMs(error);
  const withDetails = (verdict: ErrorClassification): ErrorClassification => ({
    ...verdict,
    ...(status !== undefined && { status }),
    ...(verdict.retryable && retryAfterMs !== undefined && { retryAfterMs }),
  });

  // Context length and content filters come as 400s from some providers and 200s with an error from others:
  // no retry makes them pass, so they win over the status.
  const codes = collectStrings(error, ['code', 'type']);
  const messages = collectStrings(error, ['message']);
  if (
    codes.some((code) => CONTEXT_LENGTH_CODES.has(code)) ||
    messages.some((m) => CONTEXT_LENGTH_MESSAGE.test(m))
  ) {
    return withDetails({ retryable: false, reason: 'context-length' });
  }
  if (
    codes.some((code) => CONTENT_FILTER_CODES.has(code)) ||
    messages.some((m) => CONTENT_FILTER_MESSAGE.test(m))
  ) {
    return withDetails({ retryable: false, reason: 'content-filter' });
  }

  // The provider's own word wins over the status (OpenAI and Anthropic send it; their SDKs obey it too).
  const shouldRetry = headers ? readHeader(headers, 'x-should-retry') : undefined;
  if (status !== undefined) {
    const statusReason = reasonForStatus(status);
    if (shouldRetry === 'true')
      return withDetails({ retryable: true, reason: statusReason.reason });
    if (shouldRetry === 'false')
      return withDetails({ retryable: false, reason: statusReason.reason });
    return withDetails(statusReason);
  }
  if (shouldRetry === 'false') return withDetails({ retryable: false, reason: 'unknown' });

  // AI SDK errors carry their own verdict when there is no status (e.g. a network failure it wrapped).
  const isRetryable = findProperty(error, 'isRetryable');
  if (typeof isRetryable === 'boolean' && !isRetryable) {
    return withDetails({ retryable: false, reason: 'unknown' });
  }

  // Timeouts first: the openai/anthropic timeout error is a subclass of their connection error.
  if (hasName(error, ['APIConnectionTimeoutError', 'TimeoutError', 'ConnectTimeoutError'])) {
    return withDetails({ retryable: true, reason: 'timeout' });
  }
  if (
    codes.some((code) => NETWORK_CODES.has(code)) ||
    hasName(error, ['APIConnectionError', 'FetchError'])
  ) {
    return withDetails({ retryable: true, reason: 'network' });
  }
  if (hasName(error, ['AbortError', 'APIUserAbortError'])) {
    return withDetails({ retryable: true, reason: 'aborted' });
  }
  if (messages.some((m) => /fetch failed|socket hang up|network error|terminated/i.test(m))) {
    return withDetails({ retryable: true, reason: 'network' });
  }
  // A body that is not JSON, or an answer with nothing in it (InvalidModelAnswerError): a new request may do.
  if (
    hasName(error, [
      'SyntaxError',
      'AI_JSONParseError',
      'JSONParseError',
      'InvalidModelAnswerError',
    ])
  ) {
    return withDetails({ retryable: true, reason: 'invalid-response' });
  }
  return withDetails({ retryable: true, reason: 'unknown' });
}

function reasonForStatus(status: number): ErrorClassification {
  const terminal = TERMINAL_STATUS_REASONS[status];
  if (terminal) return { retryable: false, reason: terminal };
  const retryable = RETRYABLE_STATUS_REASONS[status];
  if (retryable) return { retryable: true, reason: retryable };
  if (status >= 500) return { retryable: true, reason: 'server-error' };
  if (status >= 400) return { retryable: false, reason: 'client-error' };
  return { retryable: true, reason: 'unknown' };
}

/** Walks the error and the errors it wraps, not into Restate control errors (handled before). */
function* walk(error: unknown): Generator<Record<string, unknown>> {
  const isControl = (node: Record<string, unknown>) => controlErrorKind(node) !== undefined;
  for (const node of walkErrorGraph(error, { stopAt: isControl })) {
    if (!isControl(node)) yield node;
  }
}

function findProperty(error: unknown, key: string): unknown {
  for (const record of walk(error)) {
    if (record[key] !== undefined) return record[key];
  }
  return undefined;
}

function findStatus(error: unknown): number | undefined {
  for (const record of walk(error)) {
    for (const key of ['status', 'statusCode']) {
      const value = record[key];
      if (typeof value === 'number' && Number.isInteger(value) && value >= 100 && value < 600)
        return value;
    }
  }
  return undefined;
}

function findHeaders(error: unknown): HeaderBag | undefined {
  for (const record of walk(error)) {
    for (const key of ['headers', 'responseHeaders']) {
      const value = record[key];
      if (typeof value === 'object' && value !== null) return value as HeaderBag;
    }
  }
  return undefined;
}

function collectStrings(error: unknown, keys: readonly string[]): string[] {
  const found: string[] = [];
  for (const record of walk(error)) {
    for (const key of keys) {
      const value = record[key];
      if (typeof value === 'string') found.push(value);
    }
  }
  return found;
}

/** Matches `name` or the class name: the openai and anthropic SDKs leave `name` as plain 'Error'. */
function hasName(error: unknown, names: readonly string[]): boolean {
  for (const record of walk(error)) {
    if (typeof record.name === 'string' && names.includes(record.name)) return true;
    const className = (record as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof className === 'string' && names.includes(className)) return true;
  }
  return false;
}

function readHeader(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    const value = (headers as { get(name: string): string | null | undefined }).get(name);
    return value ?? undefined;
  }
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) {
      if (typeof value === 'string') return value;
      if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
    }
  }
  return undefined;
}

const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

/**
 * The delay of a Google API error's `RetryInfo` detail (`{ error: { details: [{ '@type': '…RetryInfo',
 * retryDelay: '7s' }] } }`), read from the error's `details`/`error.details`, or from its message when
 * that is the JSON body (`@google/genai`'s `ApiError` keeps only the status and the body as its message).
 */
function readRetryInfoMs(error: unknown): number | undefined {
  for (const record of walk(error)) {
    const bodies: unknown[] = [record, record.error];
    if (typeof record.message === 'string' && record.message.trimStart().startsWith('{')) {
      try {
        const parsed = JSON.parse(record.message) as { error?: unknown };
        bodies.push(parsed, parsed?.error);
      } catch {
        // Not a JSON body: nothing to read.
      }
    }
    for (const body of bodies) {
      const details = (body as { details?: unknown } | null | undefined)?.details;
      if (!Array.isArray(details)) continue;
      for (const detail of details) {
        const { '@type': type, retryDelay } = (detail ?? {}) as Record<string, unknown>;
        if (type !== RETRY_INFO_TYPE) continue;
        const ms = protobufDurationMs(retryDelay);
        if (ms !== undefined) return ms;
      }
    }
  }
  return undefined;
}

/** A protobuf `Duration` as JSON (`"7s"`, `"0.5s"`) or object (`{ seconds, nanos }`) in milliseconds. */
function protobufDurationMs(value: unknown): number | undefined {
  if (typeof value === 'string') {
    const match = /^\s*(\d+(?:\.\d+)?)s\s*$/.exec(value);
    return match ? Math.ceil(Number.parseFloat(match[1] as string) * 1000) : undefined;
  }
  if (typeof value === 'object' && value !== null) {
    const { seconds, nanos } = value as { seconds?: unknown; nanos?: unknown };
    const s = typeof seconds === 'string' ? Number(seconds) : seconds;
    if (typeof s !== 'number' || !Number.isFinite(s) || s < 0) return undefined;
    return Math.ceil(s * 1000 + (typeof nanos === 'number' ? nanos / 1e6 : 0));
  }
  return undefined;
}

/** `retry-after-ms` (milliseconds, OpenAI/Anthropic) wins over `retry-after` (seconds or an HTTP date). */
export function readRetryAfterMs(headers: HeaderBag, now: number = Date.now()): number | undefined {
  const milliseconds = readHeader(headers, 'retry-after-ms');
  if (milliseconds !== undefined) {
    const value = Number.parseFloat(milliseconds);
    if (Number.isFinite(value) && value >= 0) return Math.ceil(value);
  }
  const retryAfter = readHeader(headers, 'retry-after');
  if (retryAfter === undefined) return undefined;
  const seconds = Number.parseFloat(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0 && /^\s*[\d.]+\s*$/.test(retryAfter)) {
    return Math.ceil(seconds * 1000);
  }
  const date = Date.parse(retryAfter);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
