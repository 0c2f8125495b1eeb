import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import type { Context } from '@restatedev/restate-sdk';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { durableChatModel } from './durable-chat-model.js';

/** Binding never touches the context; only a generation does (and that needs a real Restate). */
const ctx = {} as Context;

const shout = tool(({ text }: { text: string }) => text, {
  name: 'shout',
  description: 'Shout',
  schema: z.object({ text: z.string() }),
});
const whisper = tool(({ text }: { text: string }) => text, {
  name: 'whisper',
  description: 'Whisper',
  schema: z.object({ text: z.string() }),
});

const durable = () =>
  durableChatModel(ctx, new ChatOpenAI({ model: 'm', apiKey: 'unused', maxRetries: 0 }));

describe('DurableChatModel.bindTools reuses its last binding', () => {
  it('returns the same model for the same tools and settings (a new array, as createAgent passes)', () => {
    const model = durable();
    const first = model.bindTools([shout], { tool_choice: undefined });
    expect(model.bindTools([shout], { tool_choice: undefined })).toBe(first);
    expect(model.bindTools([shout], {})).toBe(first);
  });

  it('binds anew for other tools, other settings, or another durable model', () => {
    const model = durable();
    const first = model.bindTools([shout]);
    expect(model.bindTools([shout, whisper])).not.toBe(first);
    expect(model.bindTools([whisper])).not.toBe(first);
    const forced = model.bindTools([whisper], { tool_choice: 'any' });
    expect(forced).not.toBe(model.bindTools([whisper], { tool_choice: 'auto' }));
    expect(durable().bindTools([shout])).not.toBe(first);
  });
});
