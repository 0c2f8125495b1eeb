import type { LanguageModelV4GenerateResult, LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { journalSerde, RepeatingFailureError } from '@restate-agents/core';
import { describe, expect, it } from 'vitest';
import {
  collectStream,
  durableModelMiddleware,
  replayStream,
  toJournaledGenerate,
} from './durable-model.js';

const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 3, text: 3, reasoning: 0 },
};

/** The shape `@ai-sdk/openai` returns from `doGenerate` (trimmed), bodies included. */
const generateResult: LanguageModelV4GenerateResult = {
  content: [
    { type: 'text', text: 'Hello' },
    { type: 'tool-call', toolCallId: 'call_1', toolName: 'echo', input: '{"text":"hi"}' },
  ],
  finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
  usage,
  warnings: [],
  request: { body: { model: 'gpt', messages: [{ role: 'user', content: 'a very long prompt' }] } },
  response: {
    id: 'chatcmpl-1',
    timestamp: new Date('2026-11-27T12:00:00Z'),
    modelId: 'gpt',
    headers: { 'x-request-id': 'abc' },
    body: { choices: [] },
  },
};

const roundTrip = <T>(value: T): T => journalSerde.deserialize(journalSerde.serialize(value)) as T;

describe('toJournaledGenerate', () => {
  it('drops the raw request and response bodies and the headers', () => {
    const journaled = toJournaledGenerate(generateResult, false);
    expect(journaled).not.toHaveProperty('request');
    expect(journaled.response).toEqual({
      id: 'chatcmpl-1',
      timestamp: new Date('2026-11-27T12:00:00Z'),
      modelId: 'gpt',
    });
    expect(JSON.stringify(journaled)).not.toContain('a very long prompt');
  });

  it('keeps the headers when asked', () => {
    expect(toJournaledGenerate(generateResult, true).response.headers).toEqual({
      'x-request-id': 'abc',
    });
  });

  it('fills a missing response id and timestamp (the SDK would invent them outside the step)', () => {
    const { response: _response, ...withoutResponse } = generateResult;
    const journaled = toJournaledGenerate(withoutResponse, false);
    expect(journaled.response.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(journaled.response.timestamp).toBeInstanceOf(Date);
  });

  it('survives the journal serde with its Date intact', () => {
    const journaled = roundTrip(toJournaledGenerate(generateResult, false));
    expect(journaled.response.timestamp).toBeInstanceOf(Date);
    expect(journaled.content).toEqual(generateResult.content);
  });
});

const streamOf = (parts: LanguageModelV4StreamPart[]) => replayStream(parts);

/** A token-by-token stream as `@ai-sdk/openai` emits it (trimmed). */
const providerParts: LanguageModelV4StreamPart[] = [
  { type: 'stream-start', warnings: [] },
  { type: 'raw', rawValue: { big: 'chunk' } },
  { type: 'response-metadata', id: 'chatcmpl-2', modelId: 'gpt' },
  { type: 'text-start', id: 't1' },
  { type: 'text-delta', id: 't1', delta: 'Hel' },
  { type: 'text-delta', id: 't1', delta: 'lo' },
  { type: 'ping' },
  { type: 'text-delta', id: 't1', delta: '!' },
  { type: 'text-end', id: 't1' },
  { type: 'tool-input-start', id: 'call_1', toolName: 'echo' },
  { type: 'tool-input-delta', id: 'call_1', delta: '{"text":' },
  { type: 'tool-input-delta', id: 'call_1', delta: '"hi"}' },
  { type: 'tool-input-end', id: 'call_1' },
  { type: 'tool-call', toolCallId: 'call_1', toolName: 'echo', input: '{"text":"hi"}' },
  { type: 'finish', usage, finishReason: { unified: 'tool-calls', raw: 'tool_calls' } },
];

describe('collectStream', () => {
  it('drops raw chunks and pings, merges deltas, completes the response metadata', async () => {
    const parts = await collectStream(streamOf(providerParts), true);
    expect(parts.map((part) => part.type)).toEqual([
      'stream-start',
      'response-metadata',
      'text-start',
      'text-delta',
      'text-end',
      'tool-input-start',
      'tool-input-delta',
      'tool-input-end',
      'tool-call',
      'finish',
    ]);
    expect(parts[3]).toEqual({ type: 'text-delta', id: 't1', delta: 'Hello!' });
    expect(parts[6]).toEqual({ type: 'tool-input-delta', id: 'call_1', delta: '{"text":"hi"}' });
    const metadata = parts[1] as { id: string; timestamp: Date; modelId: string };
    expect(metadata.id).toBe('chatcmpl-2');
    expect(metadata.modelId).toBe('gpt');
    expect(metadata.timestamp).toBeInstanceOf(Date);
  });

  it('keeps every delta when coalescing is off', async () => {
    const parts = await collectStream(streamOf(providerParts), false);
    expect(parts.filter((part) => part.type === 'text-delta')).toHaveLength(3);
  });

  it('does not merge deltas of different blocks or deltas carrying provider metadata', async () => {
    const parts = await collectStream(
      streamOf([
        { type: 'text-delta', id: 'a', delta: '1' },
        { type: 'text-delta', id: 'b', delta: '2' },
        { type: 'reasoning-delta', id: 'b', delta: '3', providerMetadata: { x: { s: 1 } } },
        { type: 'reasoning-delta', id: 'b', delta: '4' },
      ]),
      true,
    );
    expect(parts.filter((part) => part.type !== 'response-metadata')).toHaveLength(4);
  });

  it('inserts response metadata with an id and timestamp when the provider sent none', async () => {
    const parts = await collectStream(
      streamOf([
        { type: 'stream-start', warnings: [] },
        { type: 'text-delta', id: 'a', delta: 'x' },
      ]),
      true,
    );
    expect(parts[1]).toMatchObject({ type: 'response-metadata', id: expect.any(String) });
  });

  it('throws an error part, so the step retries or fails instead of journaling half an answer', async () => {
    const overloaded = Object.assign(new Error('Overloaded'), {
      statusCode: 529,
      isRetryable: true,
    });
    await expect(
      collectStream(
        streamOf([
          { type: 'text-delta', id: 'a', delta: 'x' },
          { type: 'error', error: overloaded },
        ]),
        true,
      ),
    ).rejects.toBe(overloaded);
    await expect(
      collectStream(streamOf([{ type: 'error', error: { code: 'server_error' } }]), true),
    ).rejects.toThrow(/server_error/);
  });

  it('round-trips through the journal serde and replays the same parts', async () => {
    const parts = roundTrip(await collectStream(streamOf(providerParts), true));
    const replayed: LanguageModelV4StreamPart[] = [];
    for await (const part of replayStream(parts)) replayed.push(part);
    expect(replayed).toEqual(parts);
    expect((replayed[1] as { timestamp: Date }).timestamp).toBeInstanceOf(Date);
  });
});

describe('durableModelMiddleware', () => {
  const ctx = { request: () => ({ id: 'inv_unit' }) } as never;

  it('refuses an sdk name that cannot be a step-name prefix, naming the option', () => {
    for (const sdk of ['', 'My SDK', 'a:b']) {
      let thrown: unknown;
      try {
        durableModelMiddleware(ctx, { sdk });
      } catch (error) {
        thrown = error;
      }
      expect(RepeatingFailureError.isInstance(thrown)).toBe(true);
      expect((thrown as Error).message).toMatch(/^invalid-option: durableModel: sdk must be/);
    }
    expect(() => durableModelMiddleware(ctx, { sdk: 'mastra' })).not.toThrow();
  });
});
