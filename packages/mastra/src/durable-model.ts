/**
 * The model hook (R1, R2, R6, R8, R11). Mastra runs AI SDK language models and calls `doGenerate` /
 * `doStream` itself, so the AI SDK adapter's `durableModel` is the hook, unchanged: each call one journaled
 * step, a stream read to its end inside the step and replayed, raw bodies dropped, the response id and
 * timestamp filled inside the step, the attempt's abort signal passed to the provider. Only the step names
 * differ: its `sdk` option names them `mastra:model:<n>` instead of `ai-sdk:model:<n>`, so a journal says
 * which adapter wrote it (docs/architecture.md#journal-step-names).
 *
 * With `live` (docs/live-streaming.md) each streamed step's text and reasoning go to the stream log while
 * the step runs (the AI SDK adapter's preview, unchanged); `durableAgent` and `pipeMastraStream` send the
 * rest. `restateModel` takes the run's live stream from its request context (`withRestate(..., { live })`).
 */

import type { LanguageModelV4 } from '@ai-sdk/provider';
import type { MastraModelConfig } from '@mastra/core/llm';
import {
  durableModel as aiSdkDurableModel,
  type DurableModelOptions,
} from '@restate-agents/ai-sdk';
import { brand, invalidOption, isDurable, type LiveStream } from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';
import { findLive, restateContext } from './restate-context.js';
import { SDK } from './step-names.js';

export type { DurableModelOptions } from '@restate-agents/ai-sdk';

/**
 * A language model whose `doGenerate` and `doStream` are durable (steps `mastra:model:<n>`, retry cap
 * 3 attempts by default, classified provider errors). Give it to an `Agent` built inside the handler.
 * A model that is durable already comes back unchanged.
 *
 * @example
 * const agent = new Agent({ id: 'support', name: 'Support', instructions, model: durableModel(ctx, openai.chat('gpt-4.1')) });
 */
export function durableModel(
  ctx: Context,
  model: LanguageModelV4,
  options: DurableModelOptions = {},
): DurableLanguageModel {
  if (isDurable(model, 'model')) return model as DurableLanguageModel;
  if (model === null || typeof model !== 'object' || model.specificationVersion !== 'v4') {
    throw invalidOption(
      `durableModel needs an AI SDK 7 language model instance (specificationVersion "v4"), got ${describeModel(model)}: ` +
        "pass e.g. createOpenAI({ … }).chat('gpt-4.1') instead of a model router string.",
    );
  }
  const durable = aiSdkDurableModel(ctx, model, { ...options, sdk: SDK });
  LIVE_OF.set(durable, options.live);
  return durable as DurableLanguageModel;
}

/** The live stream of each model {@link durableModel} made (`undefined`: it does not stream live). */
const LIVE_OF = new WeakMap<object, LiveStream | undefined>();

/**
 * Whether `model` was made by {@link durableModel}, and with which live stream: `durableAgent` runs the
 * agent live when its model is, and refuses a model that streams to another stream than the run.
 */
export function modelLive(model: unknown): { live: LiveStream | undefined } | undefined {
  if (model === null || typeof model !== 'object' || !LIVE_OF.has(model)) return undefined;
  return { live: LIVE_OF.get(model) };
}

/**
 * What {@link durableModel} returns: an AI SDK 7 model, typed as Mastra's `model` option takes it (Mastra
 * bundles its own copy of `@ai-sdk/provider`'s types, which need not match the project's).
 */
export type DurableLanguageModel = MastraModelConfig;

/** Marks the dynamic model {@link restateModel} returns, so `durableAgent` knows it is durable. */
export const RESTATE_MODEL = 'mastra:restate-model';

/** A Mastra dynamic argument: a function of the run's request context. */
export type RestateModel = (args: { requestContext: unknown }) => DurableLanguageModel;

/**
 * `model` for an `Agent` declared once, at module level: a dynamic argument that makes `model` durable with
 * the Restate context of the run (from its request context; see `withRestate`). Sub-agents get the
 * parent's request context, so theirs are durable too. In a run with a live stream
 * (`durableAgent(ctx, agent, { live })`) the model streams live; a sub-agent's does not.
 *
 * @example
 * export const agent = new Agent({ id: 'support', name: 'Support', instructions, model: restateModel(openai.chat('gpt-4.1')) });
 */
export function restateModel(
  model: LanguageModelV4,
  options: DurableModelOptions = {},
): RestateModel {
  const dynamic: RestateModel = ({ requestContext }) => {
    const live = findLive(requestContext);
    return durableModel(
      restateContext({ requestContext: requestContext as never }),
      model,
      live ? { ...options, live } : options,
    );
  };
  return brand(dynamic, RESTATE_MODEL);
}

function describeModel(model: unknown): string {
  if (typeof model === 'string') return `the model id "${model}"`;
  if (model === null || typeof model !== 'object') return String(model);
  const version = (model as { specificationVersion?: unknown }).specificationVersion;
  return version === undefined ? 'a model configuration object' : `a "${String(version)}" model`;
}
