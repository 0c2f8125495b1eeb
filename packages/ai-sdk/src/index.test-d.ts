/**
 * Type tests for the public signatures (checked by `tsc --noEmit`): what goes in comes out with the
 * caller's own types, so `generateText`, `streamText` and `ToolLoopAgent` infer exactly as without Restate.
 */
import type { LanguageModelV4 } from '@ai-sdk/provider';
import type { ListStore } from '@restate-agents/core';
import type { Context, ObjectContext } from '@restatedev/restate-sdk';
import { generateText, type ModelMessage, streamText, ToolLoopAgent, tool } from 'ai';
import { expectTypeOf } from 'vitest';
import { z } from 'zod';
import {
  chatHistory,
  durableModel,
  durableModelMiddleware,
  durableTool,
  durableTools,
  withRestate,
} from './index.js';

declare const ctx: Context;
declare const objectCtx: ObjectContext;
declare const model: LanguageModelV4;

const echo = tool({
  inputSchema: z.object({ text: z.string() }),
  execute: async ({ text }) => ({ echoed: text }),
});

expectTypeOf(durableModel(ctx, model)).toEqualTypeOf<LanguageModelV4>();
expectTypeOf(durableModelMiddleware(ctx).specificationVersion).toEqualTypeOf<'v4'>();
expectTypeOf(durableTool(ctx, echo, { name: 'echo' })).toEqualTypeOf<typeof echo>();
expectTypeOf(durableTools(ctx, { echo })).toEqualTypeOf<{ echo: typeof echo }>();
expectTypeOf(chatHistory(objectCtx)).toEqualTypeOf<ListStore<ModelMessage>>();

const params = { model, tools: { echo }, prompt: 'hi' };
expectTypeOf(withRestate(ctx, params)).toEqualTypeOf<typeof params>();

export async function inferredAsWithoutRestate(): Promise<void> {
  const plain = { model, tools: { echo }, prompt: 'hi' };
  expectTypeOf(await generateText(withRestate(ctx, plain))).toEqualTypeOf(
    await generateText(plain),
  );
  expectTypeOf(streamText(withRestate(ctx, { model, prompt: 'hi' })).text).toEqualTypeOf<
    PromiseLike<string>
  >();
  const agent = new ToolLoopAgent(
    withRestate(ctx, { model, tools: { echo }, instructions: 'be brief' }),
  );
  expectTypeOf(agent.tools).toEqualTypeOf<{ echo: typeof echo }>();
}
