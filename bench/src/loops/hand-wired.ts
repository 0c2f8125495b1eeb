/**
 * The honest floor of durability on Restate for an SDK loop: what a user writes by hand with nothing but
 * `ctx.run` — one step around each model call and one around each tool body, Restate's default JSON serde,
 * no retry caps, no error classification, no step names beyond a constant. An adapter is measured against
 * this (target: ≤ 1.10× its wall time), since everything above it is what the adapter adds.
 */
import type { LanguageModelV4, LanguageModelV4GenerateResult } from '@ai-sdk/provider';
import type * as restate from '@restatedev/restate-sdk';
import { wrapLanguageModel } from 'ai';

/**
 * An AI SDK model whose `doGenerate` runs in `ctx.run`, journaling the answer only (no request or
 * response bodies, which would make the journal grow with the prompt); the response timestamp, a `Date`
 * that JSON turns into a string, is rebuilt.
 */
export function handWiredAiSdkModel(ctx: restate.Context, model: LanguageModelV4): LanguageModelV4 {
  return wrapLanguageModel({
    model,
    middleware: {
      specificationVersion: 'v4',
      wrapGenerate: async ({ doGenerate }) => {
        const journaled = await ctx.run('model', async () => {
          const { request: _request, response, ...answer } = await doGenerate();
          return {
            ...answer,
            response: response && {
              id: response.id,
              modelId: response.modelId,
              timestamp: response.timestamp?.toISOString(),
            },
          };
        });
        const { response } = journaled;
        return {
          ...journaled,
          response: response && {
            ...response,
            timestamp: response.timestamp === undefined ? undefined : new Date(response.timestamp),
          },
        } as LanguageModelV4GenerateResult;
      },
    },
  });
}
