/**
 * The model hook (R1, R2, R6, R8, R11): a `BaseLlm` whose `generateContentAsync` runs the wrapped model as one
 * journaled step (`google-adk:model:<n>`). Inside the step the whole answer is collected — the partial
 * responses of an SSE stream and the final one — with the function-call ids the Gemini API does not send
 * filled in, and journaled once (the responses only, never the request); on replay the same responses are
 * yielded again, so streaming works and nothing is paid twice. `@google/genai`'s own retries are turned
 * off, so Restate's retry cap is the only one; errors are classified by core (Gemini's `RetryInfo` delay
 * included). The step receives the attempt's abort signal, so a request from an abandoned attempt is cancelled.
 *
 * A model wrapper rather than a plugin's `beforeModelCallback`: it keeps the agent's own model callbacks, and
 * it also covers the nested runner of an `AgentTool` (which runs without plugins).
 *
 * With `live` (docs/live-streaming.md), the step's text goes to the stream log while the step runs, and the
 * journaled answer's step goes through the log after it (live.ts).
 */
import { BaseLlm, type BaseLlmConnection, type LlmRequest, type LlmResponse } from '@google/adk';
import {
  type DurableStepOptions,
  durableStep,
  idSource,
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
import { advanceTime, attemptState, capture } from './attempt-state.js';
import { countModelResponse, previewResponses, sendModelStep } from './live.js';
import { ID_SCOPES, SDK } from './step-names.js';

/** Options of {@link durableModel}. */
export interface DurableModelOptions {
  /** The model step's retry cap, classification, `attemptTimeout` (core's `DurableStepOptions`). */
  step?: Omit<DurableStepOptions<ModelStepValue>, 'serde'>;
  /**
   * Live streaming (docs/live-streaming.md): the model step's text goes to this stream log while the step
   * runs — delta by delta with `RunConfig({ streamingMode: StreamingMode.SSE })`, the whole answer per step
   * without it — and the journaled answer's step (text, function calls) goes through the log after it.
   * `runDurably` sends the tool outputs and ends the turn.
   */
  live?: LiveStream;
}

/** What one model step journals: the responses in order, and the time the step ran (the events' clock). */
export interface ModelStepValue {
  responses: LlmResponse[];
  at: number;
  /** With `live`: what the step's preview sent (its commit is built from it, on every replay). */
  live?: LiveReceipt;
}

/** The live stream of each durable model (`runDurably` checks that a tree's models agree on it). */
const modelLives = new WeakMap<object, LiveStream | undefined>();

/** Whether `model` is a model made by {@link durableModel}, and the live stream it sends to. */
export function durableModelLive(model: unknown): { durable: boolean; live?: LiveStream } {
  if (typeof model !== 'object' || model === null || !modelLives.has(model))
    return { durable: false };
  const live = modelLives.get(model);
  return live ? { durable: true, live } : { durable: true };
}

/** A copy of the request for one attempt: ADK's model classes mutate it, and the retries of `@google/genai` go off. */
export function attemptRequest(request: LlmRequest): LlmRequest {
  const config = request.config ?? {};
  return {
    ...request,
    contents: [...(request.contents ?? [])],
    config: {
      ...config,
      // `attempts: 1` overrides retry options set on the agent's generateContentConfig or the client: the
      // step's retry cap is the only one (R1).
      httpOptions: { ...config.httpOptions, retryOptions: { attempts: 1 } },
    },
  };
}

/** The response without what ADK adds for its own bookkeeping and no replay needs. */
export function journalable(response: LlmResponse): LlmResponse {
  const { liveSessionResumptionUpdate: _resumption, goAway: _goAway, ...kept } = response;
  return kept;
}

class DurableLlm extends BaseLlm {
  readonly #ctx: Context;
  readonly #inner: BaseLlm;
  readonly #options: DurableModelOptions;

  constructor(ctx: Context, inner: BaseLlm, options: DurableModelOptions) {
    super({ model: inner.model });
    this.#ctx = ctx;
    this.#inner = inner;
    this.#options = options;
  }

  async *generateContentAsync(
    llmRequest: LlmRequest,
    stream = false,
    abortSignal?: AbortSignal,
  ): AsyncGenerator<LlmResponse, void> {
    const ctx = this.#ctx;
    // A dead invocation makes no more model calls (another agent of the tree may still be running).
    attemptState(ctx).latch.rethrow();
    const name = nextModelStepName(ctx, SDK);
    const ids = idSource(ctx);
    const { live, step } = this.#options;
    let value: ModelStepValue;
    try {
      value = await liveModelStep(
        live,
        (preview, seg) =>
          durableStep(
            ctx,
            name,
            async (attemptSignal) => {
              const attempt = preview(attemptSignal);
              const shown = attempt && previewResponses(attempt, seg);
              const responses: LlmResponse[] = [];
              await withStepSignal(abortSignal, attemptSignal, async (signal) => {
                for await (const response of this.#inner.generateContentAsync(
                  attemptRequest(llmRequest),
                  stream,
                  signal,
                )) {
                  shown?.push(response);
                  responses.push(journalable(response));
                }
              });
              shown?.close();
              fillFunctionCallIds(
                responses,
                (n) => `adk-${ids.uuid(`${ID_SCOPES.functionCall}:${name}:${n}`)}`,
              );
              return {
                responses,
                at: Date.now(),
                ...(attempt && { live: await attempt.end() }),
              };
            },
            step,
          ),
        (journaled) => journaled.live,
      );
    } catch (error) {
      // ADK turns a model error into an event and ends the run normally: remember it for runDurably.
      capture(ctx, error);
      throw error;
    }
    // After the step's commit, on the first run and on replay: the journaled answer's step.
    if (live) sendModelStep(live, value.responses);
    advanceTime(ctx, value.at);
    for (const response of value.responses) {
      if (live) countModelResponse(live);
      yield response;
    }
  }

  connect(_llmRequest: LlmRequest): Promise<BaseLlmConnection> {
    return Promise.reject(
      invalidOption(
        'durableModel: live (bidi) connections (runLive, streamingMode "bidi") cannot be journaled; use ' +
          'runAsync with streamingMode "sse" or none.',
      ),
    );
  }
}

/**
 * Gives every function call without an id one that is the same on replay (ADK would draw `adk-<uuid>` from
 * `crypto.randomUUID` after the call, R8): the n-th call of the step gets the n-th id, in partial and final
 * responses alike (a streamed call appears in both).
 */
export function fillFunctionCallIds(responses: LlmResponse[], idFor: (n: number) => string): void {
  for (const response of responses) {
    let n = 0;
    for (const part of response.content?.parts ?? []) {
      if (part.functionCall) {
        part.functionCall.id ||= idFor(n);
        n += 1;
      }
    }
  }
}

/**
 * Makes an ADK model durable: `durableModel(ctx, new Gemini({ model: 'gemini-2.5-flash' }))`. Every call is a
 * journaled step; a model that is durable already comes back unchanged. `withRestate(ctx, agent)` does this
 * for every agent of a tree.
 *
 * @example
 * const agent = new LlmAgent({ name: 'support', model: durableModel(ctx, new Gemini({ model: 'gemini-2.5-flash' })), tools });
 */
export function durableModel(
  ctx: Context,
  model: BaseLlm,
  options: DurableModelOptions = {},
): BaseLlm {
  if (isDurable(model, 'model')) {
    const { live } = durableModelLive(model);
    if (options.live && live !== options.live) {
      // The wrapper would keep its own (or no) stream: the option would be silently ignored.
      throw invalidOption(
        `durableModel: the model "${model.model}" is durable already, ${live ? 'with another live stream' : 'without a live stream'}; ` +
          'make it durable once, with { live } (withRestate(ctx, agent, { live }) does it for every agent).',
      );
    }
    return model;
  }
  if (typeof model?.generateContentAsync !== 'function') {
    throw invalidOption(
      `durableModel(ctx, model) needs an ADK model (a BaseLlm such as Gemini), got ${typeof model}.`,
    );
  }
  const durable = markDurable(new DurableLlm(ctx, model, options), 'model');
  modelLives.set(durable, options.live);
  return durable;
}
