import Anthropic from '@anthropic-ai/sdk';
import { ApiError } from '@google/genai';
import { CancelledError, RestateError, TerminalError } from '@restatedev/restate-sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { classifyError, readRetryAfterMs } from './classify-error.js';
import { InvalidModelAnswerError } from './errors/invalid-model-answer-error.js';

const openaiError = (status: number, headers: Record<string, string> = {}, body: object = {}) =>
  OpenAI.APIError.generate(
    status,
    { error: { message: `status ${status}`, ...body } },
    undefined,
    new Headers(headers),
  );
const anthropicError = (status: number, headers: Record<string, string> = {}, body: object = {}) =>
  Anthropic.APIError.generate(
    status,
    { type: 'error', error: { type: 'api_error', message: `status ${status}`, ...body } },
    undefined,
    new Headers(headers),
  );

/** The shape of the AI SDK's `APICallError` (ai 7): statusCode, responseHeaders record, isRetryable. */
const aiSdkApiCallError = (
  statusCode: number,
  isRetryable: boolean,
  responseHeaders: Record<string, string> = {},
) =>
  Object.assign(new Error(`AI SDK ${statusCode}`), {
    name: 'AI_APICallError',
    statusCode,
    isRetryable,
    responseHeaders,
    url: 'https://api.example/v1/chat',
    requestBodyValues: {},
  });

describe('classifyError', () => {
  it.each([
    [400, 'bad-request'],
    [401, 'authentication'],
    [403, 'permission-denied'],
    [404, 'not-found'],
    [413, 'payload-too-large'],
    [422, 'unprocessable'],
  ] as const)('makes an openai %i terminal (%s)', (status, reason) => {
    expect(classifyError(openaiError(status))).toEqual({ retryable: false, reason, status });
  });

  it.each([
    [408, 'request-timeout'],
    [409, 'conflict'],
    [429, 'rate-limit'],
    [500, 'server-error'],
    [502, 'server-error'],
    [503, 'server-error'],
    [529, 'server-error'],
  ] as const)('retries an anthropic %i (%s)', (status, reason) => {
    expect(classifyError(anthropicError(status))).toEqual({ retryable: true, reason, status });
  });

  it('reads retry-after in seconds and retry-after-ms, preferring the milliseconds', () => {
    expect(classifyError(openaiError(429, { 'retry-after': '2' })).retryAfterMs).toBe(2000);
    expect(
      classifyError(openaiError(429, { 'retry-after': '2', 'retry-after-ms': '350.5' }))
        .retryAfterMs,
    ).toBe(351);
    expect(classifyError(aiSdkApiCallError(429, true, { 'Retry-After': '3' })).retryAfterMs).toBe(
      3000,
    );
  });

  it("reads the retry delay of a Gemini RetryInfo detail from @google/genai's ApiError body", () => {
    // @google/genai keeps the status and the JSON body (as the message), not the headers.
    const body = (details: unknown[]) =>
      JSON.stringify({
        error: { code: 429, message: 'quota', status: 'RESOURCE_EXHAUSTED', details },
      });
    const retryInfo = (retryDelay: unknown) => ({
      '@type': 'type.googleapis.com/google.rpc.RetryInfo',
      retryDelay,
    });
    const quotaFailure = { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [] };
    expect(
      classifyError(new ApiError({ status: 429, message: body([quotaFailure, retryInfo('7s')]) })),
    ).toEqual({ retryable: true, reason: 'rate-limit', status: 429, retryAfterMs: 7000 });
    expect(
      classifyError(new ApiError({ status: 503, message: body([retryInfo('0.25s')]) }))
        .retryAfterMs,
    ).toBe(250);
    // Wrapped by an agent SDK: still found through the cause.
    const wrapped = new Error('model failed', {
      cause: new ApiError({ status: 429, message: body([retryInfo({ seconds: 2 })]) }),
    });
    expect(classifyError(wrapped).retryAfterMs).toBe(2000);
    expect(
      classifyError(new ApiError({ status: 429, message: body([retryInfo('soon')]) })),
    ).toEqual({ retryable: true, reason: 'rate-limit', status: 429 });
    // A terminal status keeps no delay.
    expect(classifyError(new ApiError({ status: 400, message: body([retryInfo('7s')]) }))).toEqual({
      retryable: false,
      reason: 'bad-request',
      status: 400,
    });
  });

  it('reads an HTTP-date retry-after', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(readRetryAfterMs({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }, now)).toBe(5000);
  });

  it('does not report retry-after on a terminal error', () => {
    expect(classifyError(openaiError(400, { 'retry-after': '2' }))).toEqual({
      retryable: false,
      reason: 'bad-request',
      status: 400,
    });
  });

  it('obeys x-should-retry over the status', () => {
    expect(classifyError(openaiError(500, { 'x-should-retry': 'false' })).retryable).toBe(false);
    expect(classifyError(openaiError(400, { 'x-should-retry': 'true' })).retryable).toBe(true);
  });

  it('treats context length and content filters as terminal whatever the status', () => {
    expect(classifyError(openaiError(400, {}, { code: 'context_length_exceeded' })).reason).toBe(
      'context-length',
    );
    expect(
      classifyError(
        anthropicError(400, {}, { message: 'prompt is too long: 210000 tokens > 200000 maximum' }),
      ).reason,
    ).toBe('context-length');
    const filtered = classifyError(
      new Error('The response was filtered due to content management policy'),
    );
    expect(filtered).toEqual({ retryable: false, reason: 'content-filter' });
  });

  it('uses the AI SDK APICallError status and verdict', () => {
    expect(classifyError(aiSdkApiCallError(401, false))).toEqual({
      retryable: false,
      reason: 'authentication',
      status: 401,
    });
    expect(classifyError(aiSdkApiCallError(503, true)).retryable).toBe(true);
  });

  it('looks into the last error of an AI SDK RetryError', () => {
    const retryError = Object.assign(new Error('Failed after 3 attempts'), {
      name: 'AI_RetryError',
      errors: [aiSdkApiCallError(503, true), aiSdkApiCallError(401, false)],
      lastError: aiSdkApiCallError(401, false),
    });
    expect(classifyError(retryError)).toMatchObject({ retryable: false, status: 401 });
  });

  it('reads axios/LangChain-style response.status', () => {
    const error = Object.assign(new Error('Request failed'), {
      response: { status: 422, headers: {} },
    });
    expect(classifyError(error)).toEqual({
      retryable: false,
      reason: 'unprocessable',
      status: 422,
    });
  });

  it('retries network failures, codes found in the cause', () => {
    const reset = new TypeError('fetch failed', {
      cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
    });
    expect(classifyError(reset)).toEqual({ retryable: true, reason: 'network' });
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(classifyError(refused)).toEqual({ retryable: true, reason: 'network' });
    expect(
      classifyError(new OpenAI.APIConnectionError({ message: 'Connection error.' })).reason,
    ).toBe('network');
  });

  it('retries timeouts and aborts', () => {
    expect(classifyError(new OpenAI.APIConnectionTimeoutError()).reason).toBe('timeout');
    expect(
      classifyError(AbortSignal.timeout(0).reason ?? new DOMException('t', 'TimeoutError')).reason,
    ).toBe('timeout');
    expect(classifyError(new DOMException('This operation was aborted', 'AbortError'))).toEqual({
      retryable: true,
      reason: 'aborted',
    });
  });

  it('retries a malformed JSON body', () => {
    expect(classifyError(new SyntaxError('Unexpected token < in JSON'))).toEqual({
      retryable: true,
      reason: 'invalid-response',
    });
  });

  it('retries an answer with nothing usable in it (InvalidModelAnswerError), also when wrapped', () => {
    const error = new InvalidModelAnswerError('it has no output items');
    expect(error.message).toBe("The model's answer is not usable: it has no output items");
    expect(InvalidModelAnswerError.isInstance(error)).toBe(true);
    expect(classifyError(error)).toEqual({ retryable: true, reason: 'invalid-response' });
    expect(classifyError(new Error('model call failed', { cause: error }))).toEqual({
      retryable: true,
      reason: 'invalid-response',
    });
  });

  it('never classifies Restate control errors as retryable', () => {
    expect(classifyError(new TerminalError('stop'))).toEqual({
      retryable: false,
      reason: 'restate-control',
    });
    expect(classifyError(new Error('wrapped', { cause: new CancelledError() })).reason).toBe(
      'restate-control',
    );
    expect(classifyError(new RestateError('suspended', { errorCode: 599 })).reason).toBe(
      'restate-control',
    );
  });

  it('retries unknown errors (the retry cap bounds them)', () => {
    expect(classifyError(new Error('something odd'))).toEqual({
      retryable: true,
      reason: 'unknown',
    });
    expect(classifyError('a string')).toEqual({ retryable: true, reason: 'unknown' });
  });
});
