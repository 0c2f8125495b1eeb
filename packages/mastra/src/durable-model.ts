/**
 * The model hook (R1, R2, R6, R8, R11). Mastra runs AI SDK language models and calls `doGenerate` /
 * `doStream` itself, so the AI SDK adapter's `durableModel` is the hook, unchanged: each call one journaled
 * step, a stream read to its end inside the step and replayed, raw bodies dropped, the response id and
 * timestamp filled inside the step, the attempt's abort signal passed to the provider. Only the step names
 * differ: the model is given a view of `ctx` whose steps are named `mastra:model:<n>` instead of
 * `ai-sdk:model:<n>`, so a journal says which adapter wrote it (docs/architecture.md#journal-step-names).
 */

import type { LanguageModelV4 } from '@ai-sdk/provider';
import type { MastraModelConfig } from '@mastra/core/llm';
import {
  durableModel as aiSdkDurableModel,
  type DurableModelOptions,
} from '@restate-agents/ai-sdk';
import { brand, isDurable } from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';
import { invalidOption } from './invalid-option.js';
import { restateContext } from './restate-context.js';
import { SDK } from './step-names.js';

export type { DurableModelOptions } from '@restate-agents/ai-sdk';

const AI_SDK_MODEL_STEP = /^ai-sdk:model:/;

/** One view per invocation attempt (`ctx`), so every model of the run counts its calls on one counter. */
const views = new WeakMap<Context, Context>();

/** `ctx`, its model steps named for this adapter; everything else is the context itself. */
function mastraView(ctx: Context): Context {
  let view = views.get(ctx);
  if (view === undefined) {
    view = new Proxy(ctx, {
      get(target, property) {
        if (property === 'run') {
          return (name: unknown, ...rest: unknown[]) =>
            (target.run as (...args: unknown[]) => unknown)(
              typeof name === 'string' ? name.replace(AI_SDK_MODEL_STEP, `${SDK}:model:`) : name,
              ...rest,
            );
        }
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    views.set(ctx, view);
  }
  return view;
}

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
  return aiSdkDurableModel(mastraView(ctx), model, options) as DurableLanguageModel;
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
 * parent's request context, so theirs are durable too.
 *
 * @example
 * export const agent = new Agent({ id: 'support', name: 'Support', instructions, model: restateModel(openai.chat('gpt-4.1')) });
 */
export function restateModel(
  model: LanguageModelV4,
  options: DurableModelOptions = {},
): RestateModel {
  const dynamic: RestateModel = ({ requestContext }) =>
    durableModel(restateContext({ requestContext: requestContext as never }), model, options);
  return brand(dynamic, RESTATE_MODEL);
}

function describeModel(model: unknown): string {
  if (typeof model === 'string') return `the model id "${model}"`;
  if (model === null || typeof model !== 'object') return String(model);
  const version = (model as { specificationVersion?: unknown }).specificationVersion;
  return version === undefined ? 'a model configuration object' : `a "${String(version)}" model`;
}
