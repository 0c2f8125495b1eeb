import type { LanguageModelV4 } from '@ai-sdk/provider';
import type { Context } from '@restatedev/restate-sdk';
import { TerminalError } from '@restatedev/restate-sdk';
import { tool } from 'ai';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type DurableCallSettings, withRestate } from './with-restate.js';

/** Only the invocation id is reached by these tests (it seeds the id generators); nothing is journaled. */
const ctx = { request: () => ({ id: 'inv_unit' }) } as unknown as Context;

const model: LanguageModelV4 = {
  specificationVersion: 'v4',
  provider: 'test',
  modelId: 'm',
  supportedUrls: {},
  doGenerate: () => Promise.reject(new Error('not called')),
  doStream: () => Promise.reject(new Error('not called')),
};

const echo = tool({
  inputSchema: z.object({ text: z.string() }),
  execute: async ({ text }) => text,
});

type StopFn = (options: { steps: unknown[] }) => boolean | PromiseLike<boolean>;

/** The settings as the SDK reads them (withRestate's return type is the caller's own type). */
interface Durable {
  model: LanguageModelV4;
  maxRetries: number;
  toolCallConcurrency: number;
  stopWhen: StopFn[];
  abortSignal?: AbortSignal;
  tools: Record<string, { execute: (input: unknown, options: unknown) => Promise<unknown> }>;
  toolApproval: (request: unknown) => Promise<unknown>;
  prepareStep: (options: unknown) => Promise<{ model: LanguageModelV4 }>;
  _internal: { generateId: () => string; generateCallId: () => string };
}
const durable = (params: DurableCallSettings & Record<string, unknown>): Durable =>
  withRestate(ctx, params) as unknown as Durable;

describe('withRestate', () => {
  it('turns SDK retries off, runs tools one at a time and draws ids from the invocation id', () => {
    const settings = durable({ model, prompt: 'hi' });
    expect(settings.maxRetries).toBe(0);
    expect(() => durable({ model, prompt: 'hi', maxRetries: 5 })).toThrow(
      /maxRetries 5 would multiply with Restate's retries/,
    );
    expect(() => durable({ model, prompt: 'hi', toolCallConcurrency: 3 })).toThrow(
      /toolCallConcurrency 3 is set by the adapter/,
    );
    expect(settings.toolCallConcurrency).toBe(1);
    expect(settings._internal.generateId()).toMatch(/^aitxt-[0-9A-Za-z]{24}$/);
    expect(settings._internal.generateCallId()).toMatch(/^call-/);
    expect(settings.model).not.toBe(model);
    expect(settings.model.modelId).toBe('m');
  });

  it("keeps the user's stop conditions after its own, and the SDK's defaults when there are none", async () => {
    const mine: StopFn = () => true;
    const withMine = durable({ model, prompt: 'hi', stopWhen: mine }).stopWhen;
    expect(withMine).toHaveLength(2);
    expect(withMine[1]).toBe(mine);
    const call = durable({ model, prompt: 'hi' }).stopWhen;
    expect(await call[1]?.({ steps: [{}] })).toBe(true); // generateText: one step
    const agent = durable({ model, instructions: 'be brief' }).stopWhen;
    expect(await agent[1]?.({ steps: Array.from({ length: 19 }) })).toBe(false);
    expect(await agent[1]?.({ steps: Array.from({ length: 20 }) })).toBe(true); // ToolLoopAgent: 20
  });

  it('keeps a control error a tool threw and rethrows it from the stop condition', async () => {
    const fail = tool({
      inputSchema: z.object({}),
      execute: async (): Promise<string> => {
        throw new TerminalError('card declined');
      },
    });
    const settings = durable({ model, prompt: 'hi', tools: { fail, echo } });
    const [rethrow] = settings.stopWhen;
    expect(await rethrow?.({ steps: [] })).toBe(false);
    const options = { toolCallId: '1', messages: [], context: undefined };
    await expect(settings.tools.fail?.execute({}, options)).rejects.toThrow('card declined');
    expect(() => rethrow?.({ steps: [] })).toThrow('card declined');
    // A dead invocation runs no more tools, and the call's abort signal carries the error.
    await expect(settings.tools.echo?.execute({ text: 'x' }, options)).rejects.toThrow(
      'card declined',
    );
    expect(settings.abortSignal?.aborted).toBe(true);
    expect(settings.abortSignal?.reason).toBeInstanceOf(TerminalError);
  });

  it('passes ordinary tool errors through to the model', async () => {
    const flaky = tool({
      inputSchema: z.object({}),
      execute: async (): Promise<string> => {
        throw new Error('not found');
      },
    });
    const settings = durable({ model, prompt: 'hi', tools: { flaky } });
    const options = { toolCallId: '1', messages: [], context: undefined };
    await expect(settings.tools.flaky?.execute({}, options)).rejects.toThrow('not found');
    const [rethrow] = settings.stopWhen;
    expect(await rethrow?.({ steps: [] })).toBe(false);
  });

  it('resolves approval configurations like the SDK when no human is needed', async () => {
    const guarded = tool({ ...echo, needsApproval: async ({ text }) => text === 'risky' });
    const settings = durable({
      model,
      prompt: 'hi',
      tools: { echo, guarded },
      toolApproval: { echo: 'denied' },
    });
    const request = (toolName: string, text: string) => ({
      toolCall: { toolName, toolCallId: '1', input: { text } },
      tools: { echo, guarded },
      messages: [],
      toolsContext: {},
      runtimeContext: {},
    });
    expect(await settings.toolApproval(request('echo', 'x'))).toEqual({ type: 'denied' });
    expect(await settings.toolApproval(request('guarded', 'safe'))).toEqual({
      type: 'not-applicable',
    });
  });

  it('refuses an SDK timeout and a model given by id, saying what to do instead', () => {
    expect(() => durable({ model, timeout: 1000 })).toThrow(/maxRetryDuration/);
    expect(() => durable({ model: 'openai/gpt-4.1' })).toThrow(/model instance/);
  });

  it('wraps a model chosen by prepareStep, and does not wrap a durable model twice', async () => {
    const settings = durable({
      model,
      prompt: 'hi',
      prepareStep: () => ({ model }),
    });
    const prepared = await settings.prepareStep({});
    expect(prepared.model).not.toBe(model);
    const again = durable({ model: settings.model, prompt: 'hi' });
    expect(again.model).toBe(settings.model);
  });
});
