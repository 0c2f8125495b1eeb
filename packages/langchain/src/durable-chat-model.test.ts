import { AIMessage, AIMessageChunk } from '@langchain/core/messages';
import { RunnableLambda } from '@langchain/core/runnables';
import { ChatOpenAI } from '@langchain/openai';
import type { Context } from '@restatedev/restate-sdk';
import { initChatModel } from 'langchain';
import { describe, expect, it } from 'vitest';
import {
  DurableChatModel,
  durableChatModel,
  fromJournal,
  toJournal,
} from './durable-chat-model.js';

/** Construction never touches the context; only a generation does (and that needs a real Restate). */
const ctx = {} as Context;

describe('journaled message shape', () => {
  it('round-trips tool calls, invalid tool calls, usage and ids as an AIMessageChunk', () => {
    const original = new AIMessage({
      content: 'calling',
      id: 'chatcmpl-1',
      tool_calls: [{ id: 'c1', name: 'weather', args: { city: 'Oslo' }, type: 'tool_call' }],
      invalid_tool_calls: [
        {
          id: 'c2',
          name: 'record',
          args: '{"id": "bro',
          error: 'bad JSON',
          type: 'invalid_tool_call',
        },
      ],
      usage_metadata: { input_tokens: 3, output_tokens: 4, total_tokens: 7 },
      response_metadata: { finish_reason: 'tool_calls' },
    });
    const journaled = JSON.parse(JSON.stringify(toJournal(original)));
    const restored = fromJournal(journaled);
    expect(AIMessageChunk.isInstance(restored)).toBe(true);
    expect(restored.id).toBe('chatcmpl-1');
    expect(restored.tool_calls).toEqual(original.tool_calls);
    expect(restored.invalid_tool_calls).toEqual(original.invalid_tool_calls);
    expect(restored.usage_metadata).toEqual(original.usage_metadata);
    expect(restored.response_metadata).toEqual({ finish_reason: 'tool_calls' });
  });

  it('gives a message without id one (inside the step, where this runs)', () => {
    expect(toJournal(new AIMessage('hi')).id).toMatch(/^msg-[0-9a-f-]{36}$/);
  });

  it('journals the answer only: no raw request or response body', () => {
    const keys = Object.keys(toJournal(new AIMessage({ content: 'x', id: 'a' }))).sort();
    expect(keys).toEqual([
      'additional_kwargs',
      'content',
      'id',
      'invalid_tool_calls',
      'response_metadata',
      'tool_calls',
    ]);
  });
});

describe('durableChatModel', () => {
  const openai = () => new ChatOpenAI({ model: 'gpt-test', apiKey: 'test' });
  /** ChatOpenAI keeps a retrying caller per API flavour (protected fields, read as data here). */
  const retries = (model: unknown, api: 'completions' | 'responses' = 'completions') =>
    (model as Record<typeof api, { caller: { maxRetries: number } }>)[api].caller.maxRetries;

  it("turns the model's own retries off, also on what bindTools returns (R1)", () => {
    const inner = openai();
    expect(retries(inner)).toBe(6);
    const durable = durableChatModel(ctx, inner);
    expect(retries(inner)).toBe(0);
    expect(retries(inner, 'responses')).toBe(0);
    const bound = durable.bindTools([
      { type: 'function', function: { name: 'f', parameters: { type: 'object' } } },
    ]);
    expect(bound).toBeInstanceOf(DurableChatModel);
    expect(retries(bound.inner)).toBe(0);
  });

  it('does not wrap twice and is recognised by brand', () => {
    const durable = durableChatModel(ctx, openai());
    expect(durableChatModel(ctx, durable)).toBe(durable);
    expect(DurableChatModel.isInstance(durable)).toBe(true);
    expect(DurableChatModel.isInstance(openai())).toBe(false);
  });

  it("initChatModel: the provider model it built and the ones it will build don't retry (R1)", async () => {
    process.env.OPENAI_API_KEY ??= 'test';
    const universal = await initChatModel('openai:gpt-4o-mini');
    const built = await universal._getModelInstance();
    expect(retries(built)).toBe(6);
    const durable = durableChatModel(ctx, universal);
    expect(retries(built)).toBe(0);
    const bound = durable.bindTools([
      { type: 'function', function: { name: 'f', parameters: { type: 'object' } } },
    ]);
    const later = await (bound.inner as typeof universal)._getModelInstance({
      configurable: { other: 'config' },
    });
    expect(retries(later)).toBe(0);
  });

  it("exposes the wrapped model's profile (createAgent's native structured output reads it)", () => {
    const inner = new ChatOpenAI({ model: 'gpt-4o', apiKey: 'test' });
    expect(inner.profile.structuredOutput).toBe(true);
    expect(durableChatModel(ctx, inner).profile).toEqual(inner.profile);
    expect(durableChatModel(ctx, inner).bindTools([]).profile).toEqual(inner.profile);
  });

  it('has no `tools` field, which createAgent would take for already-bound tools', () => {
    expect('tools' in durableChatModel(ctx, openai()).bindTools([])).toBe(false);
  });

  it('names the model when it cannot bind tools', () => {
    const plain = durableChatModel(ctx, RunnableLambda.from(() => new AIMessage('x')) as never);
    expect(() => plain.bindTools([])).toThrow(/has no bindTools method/);
  });
});
