/**
 * Rules R1, R2, R6 and R11 for the SDK's `Model` interface: every model call is one journaled step with the
 * retry cap and error classification of `durableStep`; the `openai` client's own retries are off so the two
 * never multiply; a streamed response is collected inside the step, journaled once and replayed as a short
 * simulated stream; the raw provider body (`providerData`) is not journaled unless asked for.
 */
import {
  type Model,
  type ModelProvider,
  type ModelRequest,
  type ModelResponse,
  type StreamEvent,
  Usage,
} from '@openai/agents-core';
import {
  type DurableStepOptions,
  durableStep,
  InvalidModelAnswerError,
  isDurable,
  type LiveReceipt,
  type LiveStream,
  liveModelStep,
  markDurable,
  nextModelStepName,
  withStepSignal,
} from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';
import { previewModelEvents } from './live.js';
import { SDK } from './step-names.js';

/** Options of {@link durableModel} and of the model calls a `DurableRunner` makes. */
export interface DurableModelOptions {
  /** Retry knobs of each model step (default 3 attempts), classification override, size cap. */
  step?: Omit<DurableStepOptions<unknown>, 'serde'>;
  /**
   * Journal the provider's raw response (`ModelResponse.providerData`, the whole Responses API object) too.
   * Default `false`: it roughly doubles each entry and the runner only exposes it in `rawResponses`.
   */
  keepProviderData?: boolean;
  /**
   * Live streaming (docs/live-streaming.md): each streamed model call's text goes to this stream log while
   * the step runs; the journal keeps only a small receipt beside the answer. `DurableRunner` also sends the
   * run's events through it (`run(agent, input, { stream: true })`).
   */
  live?: LiveStream;
}

/** What one streamed model call journals: the text deltas (for `toTextStream`) and the final response. */
interface RecordedStream {
  deltas: string[];
  response: RecordedResponse;
  /** With `live`: what the step's preview sent (its commit is built from it, on every replay). */
  live?: LiveReceipt;
}

/** A `ModelResponse` as journaled: plain data, `usage` as its JSON. */
type RecordedResponse = Omit<ModelResponse, 'usage'> & { usage: unknown };

/**
 * Wraps a `Model` so that `getResponse` and `getStreamedResponse` are journaled steps.
 *
 * On replay the journaled response is returned and the provider is not called. The provider's stream is
 * consumed inside the step (its text shown live through `live`, if given), then replayed as
 * `response_started`, the text deltas and `response_done` (raw provider events, `type: 'model'`, are not
 * replayed).
 *
 * @example
 * const model = durableModel(ctx, new OpenAIProvider().getModel('gpt-5.6-luna'));
 */
export function durableModel(ctx: Context, model: Model, options: DurableModelOptions = {}): Model {
  if (isDurable(model, 'model')) return model;
  const record = (response: ModelResponse): RecordedResponse => {
    const { providerData, usage, ...rest } = response;
    return {
      ...rest,
      usage: JSON.parse(JSON.stringify(usage)) as unknown,
      ...(options.keepProviderData && providerData !== undefined && { providerData }),
    };
  };
  const durable: Model = {
    ...(model.supportsPromptModelSelection !== undefined && {
      supportsPromptModelSelection: model.supportsPromptModelSelection,
    }),
    async getResponse(request: ModelRequest): Promise<ModelResponse> {
      disableClientRetries(request);
      const recorded = await durableStep<RecordedResponse>(
        ctx,
        nextModelStepName(ctx, SDK),
        // The request is spread (a new object with the step's signal), which keeps the `_internal` object
        // the SDK keys its usage tracking on.
        (attempt) =>
          withStepSignal(request.signal, attempt, async (signal) =>
            record(checked(await model.getResponse({ ...request, signal }))),
          ),
        options.step,
      );
      return revive(recorded);
    },
    async *getStreamedResponse(request: ModelRequest): AsyncIterable<StreamEvent> {
      disableClientRetries(request);
      const recorded = await liveModelStep(
        options.live,
        (preview, seg) =>
          durableStep<RecordedStream>(
            ctx,
            nextModelStepName(ctx, SDK),
            async (attempt) => {
              const live = preview(attempt);
              const shown = live && previewModelEvents(live, seg);
              const deltas: string[] = [];
              let done: ModelResponse | undefined;
              await withStepSignal(request.signal, attempt, async (signal) => {
                for await (const event of model.getStreamedResponse({ ...request, signal })) {
                  shown?.push(event);
                  if (event.type === 'output_text_delta') deltas.push(event.delta);
                  if (event.type === 'response_done') {
                    done = { ...event.response, usage: new Usage(event.response.usage) };
                  }
                }
              });
              shown?.close();
              if (!done) {
                throw new InvalidModelAnswerError('the stream ended without a response_done event');
              }
              return {
                deltas,
                response: record(checked(done)),
                ...(live && { live: await live.end() }),
              };
            },
            options.step,
          ),
        (value) => value.live,
      );
      const response = recorded.response;
      yield { type: 'response_started' };
      for (const delta of recorded.deltas) yield { type: 'output_text_delta', delta };
      yield {
        type: 'response_done',
        response: {
          // The runner requires an id; Chat Completions may give none. The journaled value is stable.
          id: response.responseId ?? 'openai-agents-durable-response',
          ...(response.requestId !== undefined && { requestId: response.requestId }),
          usage: response.usage as never,
          output: response.output as never,
          ...(response.providerData !== undefined && { providerData: response.providerData }),
        },
      };
    },
  };
  // `getRetryAdvice` is deliberately not forwarded: runner-managed retries would sit outside the step (R1).
  return markDurable(durable, 'model');
}

/**
 * The SDK turns an unreadable answer (an HTML page with status 200, no choices, an empty Responses output)
 * into one with no output, which the runner would ask again for turn after turn: core's
 * `InvalidModelAnswerError` makes it a retried failure of the step instead.
 */
function checked(response: ModelResponse): ModelResponse {
  if (!Array.isArray(response.output) || response.output.length === 0) {
    throw new InvalidModelAnswerError(
      'it has no output items (an empty or non-JSON body, no choices, or an empty Responses output)',
    );
  }
  return response;
}

/** A `ModelResponse` with its `Usage` class instance rebuilt from the journaled JSON. */
function revive(recorded: RecordedResponse): ModelResponse {
  return {
    ...recorded,
    usage: new Usage(recorded.usage as ConstructorParameters<typeof Usage>[0]),
  };
}

/**
 * Restate owns retries (R1). The SDK's OpenAI models set the `openai` client's `maxRetries: 0` when the
 * runner says it manages retries; the flag is set on the request's own `_internal` object, in place,
 * because the SDK keys failed-attempt usage on that object's identity.
 */
function disableClientRetries(request: ModelRequest): void {
  const carrier = request as { _internal?: Record<string, unknown> };
  if (carrier._internal) carrier._internal.runnerManagedRetry = true;
  else carrier._internal = { runnerManagedRetry: true };
}

/**
 * Wraps a `ModelProvider` so every model it returns is a {@link durableModel}: string model names on
 * agents, handoff targets and nested agent runs all resolve through it.
 */
export function durableModelProvider(
  ctx: Context,
  provider: ModelProvider,
  options: DurableModelOptions = {},
): ModelProvider {
  // A provider hands out the same model object for a name (the SDK's OpenAIProvider caches them): one
  // wrapper each, not one per model call.
  const wrapped = new WeakMap<Model, Model>();
  return {
    async getModel(modelName?: string): Promise<Model> {
      const model = await provider.getModel(modelName);
      let durable = wrapped.get(model);
      if (!durable) {
        durable = durableModel(ctx, model, options);
        wrapped.set(model, durable);
      }
      return durable;
    },
  };
}
