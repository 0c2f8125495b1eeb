/**
 * Embeddings (R1, R11): `embed` and `embedMany` call `doEmbed` once per chunk of values; each call becomes
 * one journaled step with the retry cap and classified errors, so a replay does not pay for the vectors
 * again. The raw response body is not journaled.
 *
 * A model that supports parallel calls (OpenAI's, past 2,048 values) has its chunks embedded under the SDK's
 * own `Promise.all`: each call's step is created at once, in chunk order, and the steps are awaited together
 * by core's step batch, never by one native await each ("awaitNext already pending").
 */
import type { EmbeddingModelV4 } from '@ai-sdk/provider';
import {
  type DurableStepOptions,
  durableStep,
  isDurable,
  markDurable,
  stepBatch,
  withStepSignal,
} from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';
import { wrapEmbeddingModel } from 'ai';
import { refuseFlatStepOptions } from './durable-model.js';
import { STEP_NAMES } from './step-names.js';

/** Options of {@link durableEmbeddingModel}. */
export interface DurableEmbeddingModelOptions {
  /** Each `doEmbed` call's step: retry cap (default 3 attempts), `attemptTimeout`, classification, … */
  step?: Omit<DurableStepOptions<unknown>, 'serde'>;
}

type EmbedResult = Awaited<ReturnType<EmbeddingModelV4['doEmbed']>>;

/**
 * An embedding model whose every `doEmbed` is one journaled step; pass `maxRetries: 0` to `embed` /
 * `embedMany` so the SDK's retries do not multiply with Restate's.
 *
 * @example
 * const { embedding } = await embed({ model: durableEmbeddingModel(ctx, openai.embedding('text-embedding-3-small')), value, maxRetries: 0 });
 */
export function durableEmbeddingModel(
  ctx: Context,
  model: EmbeddingModelV4,
  options: DurableEmbeddingModelOptions = {},
): EmbeddingModelV4 {
  refuseFlatStepOptions(options, 'durableEmbeddingModel');
  if (isDurable(model, 'model')) return model;
  const wrapped = wrapEmbeddingModel({
    model,
    middleware: {
      specificationVersion: 'v4',
      wrapEmbed: ({ params, model: inner }) =>
        stepBatch(ctx).add(
          durableStep(
            ctx,
            STEP_NAMES.embed(inner.modelId),
            async (attemptSignal) => {
              const { response, ...result } = await withStepSignal(
                params.abortSignal,
                attemptSignal,
                (abortSignal) => inner.doEmbed({ ...params, abortSignal }),
              );
              // The body holds the vectors a second time; headers are rarely read.
              return result as EmbedResult;
            },
            (options.step ?? {}) as DurableStepOptions<EmbedResult>,
          ),
        ),
    },
  });
  return markDurable(wrapped, 'model');
}
