/**
 * The model hook (R1, R2, R6, R8, R11): `doGenerate` and `doStream` each run as one journaled step. A stream
 * is read to its end inside the step, and what the caller gets (first run and every replay alike) is a
 * simulated stream over the journaled parts. The response id and timestamp are filled inside the step,
 * because the AI SDK invents them outside the model call (`generateId()`, `new Date()`) and they would
 * differ on replay. Raw request and response bodies are never journaled, so the journal grows with the
 * answers, not with the prompt that every step re-sends. The provider request gets the attempt's abort
 * signal, so a request from an attempt Restate has given up on (an `attemptTimeout`) is cancelled, not paid
 * twice. Steps are named `ai-sdk:model:<n>`, the n-th model call of the invocation.
 */
import type {
  LanguageModelV4,
  LanguageModelV4GenerateResult,
  LanguageModelV4Middleware,
  LanguageModelV4StreamPart,
  SharedV4Headers,
} from '@ai-sdk/provider';
import {
  type DurableStepOptions,
  durableStep,
  invalidOption,
  isDurable,
  type LiveReceipt,
  type LiveStream,
  liveModelStep,
  markDurable,
  nextModelStepName,
  withStepSignal,
} from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';
import { wrapLanguageModel } from 'ai';
import { type AnswerCheck, generatedAnswer, streamedAnswer } from './answer-check.js';
import { previewChunk } from './live/preview-chunks.js';
import { SDK } from './step-names.js';

/** The options of each model step: retry cap, `attemptTimeout`, classification override, size cap. */
export type ModelStepOptions = Omit<DurableStepOptions<unknown>, 'serde'>;

/** Options of {@link durableModel} and {@link durableModelMiddleware}. */
export interface DurableModelOptions {
  /** Each model call's step: retry cap (default 3 attempts), `attemptTimeout`, `maxRetryDuration`, … */
  step?: ModelStepOptions;
  /** Journal the provider's response headers too (default `false`: they are bulky and rarely read). */
  keepResponseHeaders?: boolean;
  /**
   * Merge consecutive deltas of one text, reasoning or tool-input block before journaling (default `true`).
   * A token-by-token stream journals one part per token otherwise, ~40 bytes of framing per token; the
   * replayed stream has the same blocks and content, in fewer, larger deltas.
   */
  coalesceDeltas?: boolean;
  /**
   * The `<sdk>` of the model steps' names, `<sdk>:model:<n>` (default `'ai-sdk'`). For adapters built on
   * this one (the Mastra adapter passes `'mastra'`), so a journal says which adapter wrote it; each name
   * counts its calls on its own. Step names are persisted: do not change it for running invocations.
   */
  sdk?: string;
  /**
   * Live streaming (docs/live-streaming.md): each streamed step's text and reasoning go to this stream log
   * while the step runs; the journal keeps only a small receipt beside the answer. Pair it with
   * `pipeUIMessageStream(live, result)` (and `withRestate(..., { live })`) so the client gets the whole
   * message, each journaled answer exactly once.
   */
  live?: LiveStream;
}

/** What a durable `doGenerate` journals: the result without the raw request and response bodies. */
export type JournaledGenerateResult = Omit<
  LanguageModelV4GenerateResult,
  'request' | 'response'
> & {
  response: { id: string; timestamp: Date; modelId?: string; headers?: SharedV4Headers };
};

/** What a durable `doStream` journals: the stream parts (no raw chunks) and, optionally, the headers. */
export interface JournaledStream {
  parts: LanguageModelV4StreamPart[];
  headers?: SharedV4Headers;
  /** With `live`: what the step's live preview sent (its commit is built from it, on every replay). */
  live?: LiveReceipt;
}

/**
 * The middleware behind {@link durableModel}, for `wrapLanguageModel` users who stack middlewares: put it
 * last, so it sits directly around the provider and every other middleware runs on each replay.
 *
 * @example
 * const model = wrapLanguageModel({ model: openai('gpt-4.1'), middleware: [myLogging, durableModelMiddleware(ctx)] });
 */
export function durableModelMiddleware(
  ctx: Context,
  options: DurableModelOptions = {},
): LanguageModelV4Middleware {
  return modelMiddleware(ctx, options);
}

/** {@link durableModelMiddleware}, with `check` run on each answer inside the step (see answer-check.ts). */
function modelMiddleware(
  ctx: Context,
  options: DurableModelOptions,
  check?: AnswerCheck,
): LanguageModelV4Middleware {
  const {
    keepResponseHeaders = false,
    coalesceDeltas = true,
    step = {},
    sdk = SDK,
    live,
  } = options;
  refuseFlatStepOptions(options);
  if (typeof sdk !== 'string' || !/^[a-z0-9-]+$/.test(sdk)) {
    throw invalidOption(
      `durableModel: sdk must be a short name of lowercase letters, digits and dashes (the <sdk> of <sdk>:model:<n>), got ${JSON.stringify(sdk)}.`,
    );
  }
  return {
    specificationVersion: 'v4',
    wrapGenerate: async ({ params, model }) =>
      durableStep(
        ctx,
        nextModelStepName(ctx, sdk),
        async (attemptSignal) => {
          const result = await withStepSignal(params.abortSignal, attemptSignal, (abortSignal) =>
            model.doGenerate({ ...params, abortSignal }),
          );
          await check?.(generatedAnswer(result));
          return toJournaledGenerate(result, keepResponseHeaders);
        },
        step as DurableStepOptions<JournaledGenerateResult>,
      ),
    wrapStream: async ({ params, model }) => {
      const name = nextModelStepName(ctx, sdk);
      // One place decides when a step's preview is sealed or retracted (a give-up at the retry cap, a
      // TerminalError included, retracts it; a suspension does not): core's liveModelStep.
      const journaled = await liveModelStep(
        live,
        (preview) =>
          durableStep(
            ctx,
            name,
            async (attemptSignal) => {
              const attempt = preview(attemptSignal);
              // The provider's signal stays linked while the stream is read, which is inside the step.
              const { parts, response } = await withStepSignal(
                params.abortSignal,
                attemptSignal,
                async (abortSignal) => {
                  const { stream, response } = await model.doStream({ ...params, abortSignal });
                  const parts = await collectStream(
                    stream,
                    coalesceDeltas,
                    attempt &&
                      ((part) => {
                        const chunk = previewChunk(part);
                        if (chunk) attempt.push(chunk);
                      }),
                  );
                  return { parts, response };
                },
              );
              await check?.(streamedAnswer(parts));
              return {
                parts,
                ...(keepResponseHeaders && response?.headers && { headers: response.headers }),
                ...(attempt && { live: await attempt.end() }),
              };
            },
            step as DurableStepOptions<JournaledStream>,
          ),
        (value) => value.live,
      );
      return {
        stream: replayStream(journaled.parts),
        ...(journaled.headers && { response: { headers: journaled.headers } }),
      };
    },
  };
}

const STEP_OPTION_NAMES = [
  'maxRetryAttempts',
  'maxRetryDuration',
  'initialRetryInterval',
  'maxRetryInterval',
  'retryIntervalFactor',
  'attemptTimeout',
  'classify',
  'maxValueBytes',
] as const;

/** Step options given at the top level (the shape before they moved under `step`) would be ignored: refuse. */
export function refuseFlatStepOptions(options: object, where = 'durableModel'): void {
  const flat = STEP_OPTION_NAMES.filter((name) => name in options);
  if (flat.length > 0) {
    throw invalidOption(
      `${where}: ${flat.join(', ')} ${flat.length === 1 ? 'is a model-step option' : 'are model-step options'}; ` +
        `nest ${flat.length === 1 ? 'it' : 'them'} under \`step\`, e.g. { step: { ${flat[0]}: … } }.`,
    );
  }
}

/**
 * A language model whose `doGenerate` and `doStream` are durable: each call is one journaled step with a
 * retry cap (default 3 attempts) and classified provider errors; on replay the journaled answer is returned
 * and the provider is not called. Use it alone, or through {@link withRestate} which also sets the loop's
 * ids, retries and tool ordering.
 *
 * @example
 * const { text } = await generateText({ model: durableModel(ctx, openai('gpt-4.1')), maxRetries: 0, prompt });
 */
export function durableModel(
  ctx: Context,
  model: LanguageModelV4,
  options: DurableModelOptions = {},
): LanguageModelV4 {
  // A model that is durable already (from durableModel or withRestate) would nest one step inside another.
  if (isDurable(model, 'model')) return model;
  const durable = markDurable(
    wrapLanguageModel({ model, middleware: durableModelMiddleware(ctx, options) }),
    'model',
  );
  UNWRAPPED.set(durable, { model, options });
  return durable;
}

/** Each durable model's provider model and options, so {@link checkedDurableModel} can rebuild it. */
const UNWRAPPED = new WeakMap<object, { model: LanguageModelV4; options: DurableModelOptions }>();

/**
 * A durable model whose steps also run `check` on each answer (withRestate's structured output). A model
 * made durable by {@link durableModel} is rebuilt from its provider model and options, so the check runs
 * inside its steps too; one made durable any other way is returned as it is.
 */
export function checkedDurableModel(
  ctx: Context,
  model: LanguageModelV4,
  options: DurableModelOptions,
  check: AnswerCheck,
): LanguageModelV4 {
  const unwrapped = isDurable(model, 'model') ? UNWRAPPED.get(model) : { model, options };
  if (!unwrapped) return model;
  return markDurable(
    wrapLanguageModel({
      model: unwrapped.model,
      middleware: modelMiddleware(ctx, unwrapped.options, check),
    }),
    'model',
  );
}

/** Drops raw bodies and fills `response.id`/`timestamp` inside the step (see the module comment). */
export function toJournaledGenerate(
  result: LanguageModelV4GenerateResult,
  keepResponseHeaders: boolean,
): JournaledGenerateResult {
  const { request: _request, response, ...rest } = result;
  return {
    ...rest,
    response: {
      id: response?.id ?? crypto.randomUUID(),
      timestamp: response?.timestamp ?? new Date(),
      ...(response?.modelId !== undefined && { modelId: response.modelId }),
      ...(keepResponseHeaders && response?.headers && { headers: response.headers }),
    },
  };
}

/**
 * Reads a provider stream to its end: raw chunks and pings dropped, an error part thrown (so the step
 * classifies and retries it instead of journaling half an answer), the response metadata completed.
 */
export async function collectStream(
  stream: ReadableStream<LanguageModelV4StreamPart>,
  coalesceDeltas: boolean,
  onPart?: (part: LanguageModelV4StreamPart) => void,
): Promise<LanguageModelV4StreamPart[]> {
  const parts: LanguageModelV4StreamPart[] = [];
  for await (const part of stream) {
    onPart?.(part);
    if (part.type === 'raw' || part.type === 'ping') continue;
    if (part.type === 'error') throw streamError(part.error);
    const previous = parts.at(-1);
    if (coalesceDeltas && previous && canMerge(previous, part)) {
      parts[parts.length - 1] = {
        ...previous,
        delta: (previous as { delta: string }).delta + (part as { delta: string }).delta,
      } as LanguageModelV4StreamPart;
      continue;
    }
    parts.push(part);
  }
  const metadataIndex = parts.findIndex((part) => part.type === 'response-metadata');
  const metadata = metadataIndex === -1 ? undefined : parts[metadataIndex];
  const filled: LanguageModelV4StreamPart = {
    ...(metadata ?? { type: 'response-metadata' }),
    type: 'response-metadata',
    id: (metadata?.type === 'response-metadata' && metadata.id) || crypto.randomUUID(),
    timestamp: (metadata?.type === 'response-metadata' && metadata.timestamp) || new Date(),
  };
  if (metadataIndex === -1) {
    // Right after `stream-start`, where providers send it.
    const start = parts.findIndex((part) => part.type === 'stream-start');
    parts.splice(start + 1, 0, filled);
  } else {
    parts[metadataIndex] = filled;
  }
  return parts;
}

const DELTA_TYPES: ReadonlySet<string> = new Set([
  'text-delta',
  'reasoning-delta',
  'tool-input-delta',
]);

function canMerge(previous: LanguageModelV4StreamPart, part: LanguageModelV4StreamPart): boolean {
  if (previous.type !== part.type || !DELTA_TYPES.has(part.type)) return false;
  const a = previous as { id: string; providerMetadata?: unknown };
  const b = part as { id: string; providerMetadata?: unknown };
  // Provider metadata on a delta (rare: signatures) would be lost by merging, so those stay apart.
  return a.id === b.id && a.providerMetadata === undefined && b.providerMetadata === undefined;
}

function streamError(error: unknown): Error {
  if (error instanceof Error) return error;
  return new Error(`The model stream sent an error part: ${safeJson(error)}`, { cause: error });
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** A stream over journaled parts: what the caller reads on the first run and on every replay. */
export function replayStream(
  parts: readonly LanguageModelV4StreamPart[],
): ReadableStream<LanguageModelV4StreamPart> {
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(part);
      controller.close();
    },
  });
}
