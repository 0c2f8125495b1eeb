/**
 * The chat model hook point (R1, R2, R6, R8, R11): a `BaseChatModel` that runs each generation of any
 * LangChain chat model as one journaled step. The answer is journaled as a compact message (content,
 * tool calls, usage, ids), never the request, and rebuilt as an `AIMessageChunk` (what `withStructuredOutput`
 * and agents expect). A subclass, not a patched instance: `ChatOpenAI.bindTools` returns a new instance, so
 * a patch would be lost, while `bindTools` here wraps whatever the inner model returns.
 */

import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import { stampRetryable } from '@langchain/core/errors';
import type { BaseLanguageModelInput } from '@langchain/core/language_models/base';
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
  type BindToolsInput,
} from '@langchain/core/language_models/chat_models';
import { AIMessageChunk, type BaseMessage, type BaseMessageChunk } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import type { Runnable, RunnableConfig } from '@langchain/core/runnables';
import { AsyncLocalStorageProviderSingleton } from '@langchain/core/singletons';
import {
  type DurableStepOptions,
  durableStep,
  findControlError,
  InvalidModelAnswerError,
  isDurable,
  type LiveReceipt,
  type LiveStream,
  liveChunks,
  liveModelStep,
  markDurable,
  nextModelStepName,
  stepFailureReason,
  textPreview,
  withStepSignal,
} from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';
import { inGraphTask } from './graph-task.js';
import { modelWatch } from './model-watch.js';
import { SDK } from './step-names.js';

/** What one generation journals: the answer only (R11). */
export interface JournaledChatMessage {
  content: AIMessageChunk['content'];
  id: string;
  name?: string;
  tool_calls: NonNullable<AIMessageChunk['tool_calls']>;
  invalid_tool_calls: NonNullable<AIMessageChunk['invalid_tool_calls']>;
  usage_metadata?: AIMessageChunk['usage_metadata'];
  response_metadata: AIMessageChunk['response_metadata'];
  additional_kwargs: AIMessageChunk['additional_kwargs'];
}

/** Options of {@link durableChatModel}. */
export interface DurableChatModelOptions {
  /**
   * The model step's options: core's `durableStep` knobs (default 3 attempts; `attemptTimeout` aborts a
   * request that hangs and counts toward the cap).
   */
  step?: Omit<DurableStepOptions<JournaledChatMessage>, 'serde'>;
  /**
   * Live streaming (docs/live-streaming.md): the model streams inside each step and its text goes to this
   * stream log while the step runs; after the step, the journaled answer's step goes through the log too
   * (shown only where the preview was retracted). End the turn with `liveChunks(live).end()`. One model
   * call at a time per live stream.
   */
  live?: LiveStream;
}

/** A chat model, or what its `bindTools`/`withConfig` returned. */
export type ChatModelLike = Runnable<BaseLanguageModelInput, BaseMessageChunk | BaseMessage> & {
  bindTools?: (tools: BindToolsInput[], kwargs?: Record<string, unknown>) => ChatModelLike;
};

/**
 * A `BaseChatModel` whose every generation is one journaled step; see {@link durableChatModel}.
 * Exported as a class so LangGraph nodes and `instanceof` checks can use it directly.
 */
export class DurableChatModel extends BaseChatModel {
  /** The wrapped model (a field named `tools` would make `createAgent` think tools are bound). */
  readonly inner: ChatModelLike;
  readonly #ctx: Context;
  readonly #options: DurableChatModelOptions;
  /** Names of the tools bound with {@link DurableChatModel.bindTools}, to map replayed answers onto. */
  readonly #toolNames: readonly string[];
  /** What {@link DurableChatModel.bindTools} built last, and from what. */
  #lastBinding?: {
    tools: BindToolsInput[];
    kwargs: Record<string, unknown> | undefined;
    model: DurableChatModel;
  };

  constructor(
    ctx: Context,
    inner: ChatModelLike,
    options: DurableChatModelOptions = {},
    toolNames: readonly string[] = [],
  ) {
    super({});
    this.#ctx = ctx;
    this.inner = inner;
    this.#options = options;
    this.#toolNames = toolNames;
    turnOffRetries(inner);
    markDurable(this, 'model');
  }

  /**
   * The wrapped model's capabilities: `createAgent` reads `profile.structuredOutput` to choose native
   * structured output over the tool strategy.
   */
  override get profile(): BaseChatModel['profile'] {
    const inner = this.inner as { profile?: unknown; bound?: { profile?: unknown } };
    const profile = inner.profile ?? inner.bound?.profile;
    return (
      typeof profile === 'object' && profile !== null ? profile : {}
    ) as BaseChatModel['profile'];
  }

  /**
   * One prompt after the other, in input order: LangChain's `batch` starts every prompt at once, and
   * steps awaited side by side fail on Restate ("awaitNext already pending") and journal in the order the
   * answers happen to arrive. `maxConcurrency` has no effect; `returnExceptions` is honoured, except for
   * Restate's control errors, which always end the batch.
   */
  override async batch(
    inputs: BaseLanguageModelInput[],
    options?: Partial<BaseChatModelCallOptions> | Partial<BaseChatModelCallOptions>[],
    batchOptions?: { returnExceptions?: boolean; maxConcurrency?: number },
    // biome-ignore lint/suspicious/noExplicitAny: the overloads of Runnable.batch meet here.
  ): Promise<any[]> {
    const results: unknown[] = [];
    for (const [index, input] of inputs.entries()) {
      const config = (Array.isArray(options) ? options[index] : options) as
        | RunnableConfig
        | undefined;
      try {
        results.push(await this.invoke(input, config as BaseChatModelCallOptions));
      } catch (error) {
        if (!batchOptions?.returnExceptions || findControlError(error)) throw error;
        results.push(error);
      }
    }
    return results;
  }

  /**
   * Whether `value` is a durable model: this class or any other wrapper core's `markDurable` branded
   * (by a shared `Symbol.for`, so copies of these packages agree).
   */
  static isInstance(value: unknown): value is DurableChatModel {
    return isDurable(value, 'model');
  }

  override _llmType(): string {
    return 'restate-durable';
  }

  /** Binds tools on the inner model and keeps the result durable. */
  override bindTools(tools: BindToolsInput[], kwargs?: Record<string, unknown>): DurableChatModel {
    if (typeof this.inner.bindTools !== 'function') {
      throw new TypeError(
        `The model wrapped by durableChatModel (${this.inner.getName()}) has no bindTools method, ` +
          'so it cannot call tools',
      );
    }
    // createAgent binds again on every model call, mostly the same tool objects and settings: the last
    // binding is reused then (a binding costs a model build); new tools or settings build a new one.
    const last = this.#lastBinding;
    if (last && sameItems(last.tools, tools) && sameSettings(last.kwargs, kwargs))
      return last.model;
    const model = new DurableChatModel(
      this.#ctx,
      this.inner.bindTools(tools, kwargs),
      this.#options,
      tools.map(toolName).filter((name): name is string => name !== undefined),
    );
    this.#lastBinding = { tools: [...tools], kwargs: kwargs && { ...kwargs }, model };
    return model;
  }

  override async _generate(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
  ): Promise<ChatResult> {
    const message = this.#answer(await this.#step(messages, options, false));
    return { generations: [{ text: message.text, message }] };
  }

  /**
   * `stream()` and streaming callbacks: the inner model streams inside the step, the assembled answer is
   * journaled once, and the stream is replayed from the journal (R6): no live tokens from an attempt that
   * may still fail, the same stream on every replay.
   */
  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const message = this.#answer(await this.#step(messages, options, true));
    const chunk = new ChatGenerationChunk({ text: message.text, message });
    await runManager?.handleLLMNewToken(message.text, undefined, undefined, undefined, undefined, {
      chunk,
    });
    yield chunk;
  }

  /**
   * The journaled answer as a message. `createAgent` names its structured-output tool `extract-<n>` from a
   * process-wide counter that moves on every model call, so a replayed answer calls a name this process no
   * longer offers: it is mapped onto the one `extract-` tool bound now.
   */
  #answer(journaled: JournaledChatMessage): AIMessageChunk {
    const offered = this.#toolNames.filter((name) => EXTRACT_TOOL.test(name));
    const current = offered.length === 1 ? offered[0] : undefined;
    if (current !== undefined) {
      const rename = <C extends { name?: string }>(call: C): C =>
        call.name !== undefined && EXTRACT_TOOL.test(call.name) && call.name !== current
          ? { ...call, name: current }
          : call;
      journaled = {
        ...journaled,
        tool_calls: journaled.tool_calls.map(rename),
        invalid_tool_calls: journaled.invalid_tool_calls.map(rename),
      };
    }
    const message = fromJournal(journaled);
    modelWatch(this.#ctx).answerIds.add(journaled.id);
    return message;
  }

  async #step(
    messages: BaseMessage[],
    options: BaseChatModelCallOptions & Record<string, unknown>,
    stream: boolean,
  ): Promise<JournaledChatMessage> {
    const watch = modelWatch(this.#ctx);
    // A control error seen by an earlier call (a cancellation) ends every later one, without a step: a
    // retry middleware between restateMiddleware and the model must not go on calling it.
    watch.latch.rethrow();
    // Callbacks and the prompt index stay outside: callbacks fire once, from this model, with the journaled
    // answer. The request gets the attempt's signal joined with the caller's (the agent's, or the one passed
    // to invoke): a request of an attempt Restate has given up on is cancelled instead of being paid beside
    // the retry, and a caller that aborts mid-request closes it.
    const { signal, callbacks: _callbacks, promptIndex: _index, ...callOptions } = options;
    const { live } = this.#options;
    // What the inner call needs from the run's config LangChain carries in async-local storage (a model
    // initChatModel built reads its configurable fields there); the inner call runs without it (innerCall).
    const configurable = (
      AsyncLocalStorageProviderSingleton.getRunnableConfig() as RunnableConfig | undefined
    )?.configurable;
    const traced = tracingOn();
    try {
      // In a durableGraph node resumed after interrupt(), the answer it got before comes back unpaid.
      const journaled = await liveModelStep<LiveJournaledChatMessage>(
        live,
        (preview, seg) =>
          inGraphTask(SDK_MODEL_KIND, () =>
            durableStep<LiveJournaledChatMessage>(
              this.#ctx,
              nextModelStepName(this.#ctx, SDK),
              (attemptSignal) =>
                withStepSignal(signal, attemptSignal, async (stepSignal) => {
                  const config = {
                    ...callOptions,
                    ...(configurable !== undefined && { configurable }),
                    ...(traced && { callbacks: [] }),
                    signal: stepSignal,
                  };
                  const attempt = preview(attemptSignal);
                  const text = attempt && textPreview(attempt, `text-${seg}`);
                  let answer: BaseMessage | undefined;
                  if (stream || attempt) {
                    await innerCall(traced, async () => {
                      for await (const chunk of await this.inner.stream(messages, config)) {
                        text?.delta(chunk.text);
                        answer =
                          answer === undefined
                            ? chunk
                            : (answer as BaseMessageChunk).concat(chunk as BaseMessageChunk);
                      }
                    });
                  } else {
                    answer = await innerCall(traced, () => this.inner.invoke(messages, config));
                  }
                  text?.close();
                  // Nothing to journal: retried like a provider error, failing the step at the cap.
                  if (answer === undefined)
                    throw new InvalidModelAnswerError('the chat model streamed no chunks');
                  return { ...toJournal(answer), ...(attempt && { live: await attempt.end() }) };
                }),
              this.#options.step as DurableStepOptions<LiveJournaledChatMessage>,
            ),
          ),
        (value) => value.live,
      );
      const { live: _receipt, ...answer } = journaled;
      if (live) sendLiveStep(live, answer);
      return answer;
    } catch (error) {
      const reason = stepFailureReason(error);
      if (reason !== undefined) {
        watch.failures++;
        // A step that gave up may be retried or fall back (modelRetry/modelFallback middleware) unless the
        // provider said no for good (a 400, a 401): then LangChain's retry middleware is told not to retry.
        stampRetryable(error, reason === 'retries-exhausted');
      } else if (watch.latch.capture(error)) {
        stampRetryable(error, false);
      }
      throw error;
    }
  }
}

/**
 * The wrapped model's call, which fires no callbacks (this model fires them, once, with the journaled
 * answer). Run outside LangChain's async-local run config, so the call inherits no callbacks and LangChain
 * sets up no callback manager for it at all: passing `callbacks: []` instead still builds one, serialises
 * the model and formats every message for tracing, 0.2–0.6 ms per model call (about half of a ChatOpenAI
 * call's own CPU). With LangSmith tracing or verbose logging on, the call keeps the run config and gets
 * `callbacks: []` (traced under the run, as before).
 */
function innerCall<T>(traced: boolean, call: () => Promise<T>): Promise<T> {
  return traced ? call() : AsyncLocalStorageProviderSingleton.getInstance().run(undefined, call);
}

/** Whether LangChain's tracers are on: then the inner call keeps the run config, with `callbacks: []`. */
function tracingOn(): boolean {
  return TRACING_VARIABLES.some((name) => process.env[name] === 'true');
}

/** The environment variables that switch on LangChain's tracers (LangSmith, verbose logging). */
const TRACING_VARIABLES = [
  'LANGSMITH_TRACING_V2',
  'LANGCHAIN_TRACING_V2',
  'LANGSMITH_TRACING',
  'LANGCHAIN_TRACING',
  'LANGCHAIN_VERBOSE',
];

/** A journaled answer with, under `live`, its preview's receipt. */
type LiveJournaledChatMessage = JournaledChatMessage & { live?: LiveReceipt };

/**
 * The journaled answer's step through the log, after the step's commit: the log drops the text a sealed
 * preview already showed, and shows it after the `reset-step` of a retracted one.
 */
function sendLiveStep(live: LiveStream, answer: JournaledChatMessage): void {
  const chunks = liveChunks(live);
  chunks.send({ type: 'start-step' });
  const text =
    typeof answer.content === 'string'
      ? answer.content
      : answer.content
          .map((block) =>
            block.type === 'text' && typeof block.text === 'string' ? block.text : '',
          )
          .join('');
  if (text) {
    const id = `text-${chunks.step}`;
    chunks.send({ type: 'text-start', id });
    chunks.send({ type: 'text-delta', id, delta: text });
    chunks.send({ type: 'text-end', id });
  }
  chunks.send({ type: 'finish-step' });
}

/** The memo kind of model steps inside a `durableGraph` task. */
const SDK_MODEL_KIND = `${SDK}:model`;

/** The name `createAgent` gives its structured-output tools (`extract-<process-wide counter>`). */
const EXTRACT_TOOL = /^extract-\d+$/;

/** The same objects in the same order. */
function sameItems(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index]);
}

/** The same settings, each the same value or object (an absent key and `undefined` alike). */
function sameSettings(
  a: Record<string, unknown> | undefined,
  b: Record<string, unknown> | undefined,
): boolean {
  const keys = new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})]);
  return [...keys].every((key) => Object.is(a?.[key], b?.[key]));
}

function toolName(tool: BindToolsInput): string | undefined {
  const value = tool as { name?: unknown; function?: { name?: unknown } };
  if (typeof value.name === 'string') return value.name;
  if (typeof value.function?.name === 'string') return value.function.name;
  return undefined;
}

/**
 * Makes a LangChain chat model durable: each generation (`invoke`, `stream`, `batch`, through `bindTools`
 * or `withStructuredOutput`, inside an agent or a LangGraph node) is one journaled step
 * `langchain:model:<n>` (the n-th of the invocation) with a retry cap
 * (default 3 attempts) and classified provider errors, and the model's own retries are turned off so the
 * two never multiply. Message ids are assigned inside the step, so they are the same on every replay. The
 * step attempt's abort signal reaches the request. A model that is already durable is returned as it is.
 *
 * Create it inside the handler (it holds `ctx`). Works with any chat model (`ChatOpenAI`,
 * `ChatAnthropic`, fakes): the wrapped model runs unchanged inside the step.
 *
 * @example
 * const model = durableChatModel(ctx, new ChatOpenAI({ model: 'gpt-4o-mini' })).bindTools([weather]);
 * const answer = await model.invoke([new HumanMessage('Weather in Oslo?')]);
 */
export function durableChatModel(
  ctx: Context,
  model: ChatModelLike,
  options?: DurableChatModelOptions,
): DurableChatModel {
  if (DurableChatModel.isInstance(model)) return model;
  return new DurableChatModel(ctx, model, options);
}

/** The compact journaled form of an answer; the id is fixed here, inside the step (R8). */
export function toJournal(message: BaseMessage): JournaledChatMessage {
  const ai = message as Partial<AIMessageChunk>;
  return {
    content: message.content,
    id: message.id ?? `msg-${crypto.randomUUID()}`,
    ...(message.name !== undefined && { name: message.name }),
    ...withToolCallIds(ai.tool_calls ?? [], ai.invalid_tool_calls ?? []),
    ...(ai.usage_metadata !== undefined && { usage_metadata: ai.usage_metadata }),
    response_metadata: message.response_metadata ?? {},
    additional_kwargs: message.additional_kwargs ?? {},
  };
}

/**
 * Gives every tool call an id unique in its message, inside the step (so the same on every replay): some
 * providers send none or repeat one, and the agent matches each tool result to its call by id.
 */
function withToolCallIds(
  toolCalls: NonNullable<AIMessageChunk['tool_calls']>,
  invalidToolCalls: NonNullable<AIMessageChunk['invalid_tool_calls']>,
): Pick<JournaledChatMessage, 'tool_calls' | 'invalid_tool_calls'> {
  const seen = new Set<string>();
  const unique = <C extends { id?: string | undefined }>(call: C, index: number): C => {
    let id = call.id;
    if (id === undefined || id === '' || seen.has(id)) {
      id = `${id ? `${id}-` : 'call_'}${index}-${crypto.randomUUID().slice(0, 8)}`;
    }
    seen.add(id);
    return id === call.id ? call : { ...call, id };
  };
  const tool_calls = toolCalls.map(unique);
  return {
    tool_calls,
    invalid_tool_calls: invalidToolCalls.map((call, index) =>
      unique(call, tool_calls.length + index),
    ),
  };
}

/** Rebuilds the answer as an `AIMessageChunk`: `withStructuredOutput`'s parser refuses a plain `AIMessage`. */
export function fromJournal(journaled: JournaledChatMessage): AIMessageChunk {
  const message = new AIMessageChunk({ ...journaled });
  // The chunk constructor drops invalid tool calls unless they come as tool call chunks: put them back,
  // so the caller can tell the model its arguments were malformed.
  message.invalid_tool_calls = journaled.invalid_tool_calls;
  message.lc_kwargs.invalid_tool_calls = journaled.invalid_tool_calls;
  // What a streamed answer carries: LangGraph's streaming how-to reads `tool_call_chunks[0].args` from the
  // 'messages' stream mode. Set after construction, so `tool_calls` stay exactly as journaled.
  const chunks = [
    ...journaled.tool_calls.map((call) => ({
      name: call.name,
      args: JSON.stringify(call.args),
      id: call.id,
    })),
    ...journaled.invalid_tool_calls.map((call) => ({
      name: call.name,
      args: call.args,
      id: call.id,
    })),
  ].map((chunk, index) => ({ ...chunk, index, type: 'tool_call_chunk' as const }));
  message.tool_call_chunks = chunks;
  message.lc_kwargs.tool_call_chunks = chunks;
  return message;
}

/**
 * Restate owns retries (R1): a model's own retry loop (LangChain's `AsyncCaller`, 6 retries by default)
 * would multiply with the step's. It is switched off on the model, on what `bindTools` returned (a binding
 * keeps the model in `bound`), on sub-clients that keep their own caller (`ChatOpenAI.completions`), and on
 * the provider models `initChatModel` (and `createAgent` with a string model) builds lazily: their
 * settings get `maxRetries: 0` and the ones already built are switched off too.
 */
function turnOffRetries(model: unknown): void {
  const visit = (value: unknown, depth: number) => {
    if (typeof value !== 'object' || value === null || depth > 3) return;
    const record = value as Record<string, unknown>;
    const caller = record.caller as { maxRetries?: unknown } | undefined;
    if (caller && typeof caller.maxRetries === 'number') caller.maxRetries = 0;
    if (typeof record.maxRetries === 'number') record.maxRetries = 0;
    const lazy = record._defaultConfig;
    if (
      typeof lazy === 'object' &&
      lazy !== null &&
      typeof record._getModelInstance === 'function'
    ) {
      // A copy: the user's ConfigurableModel shares this object with every model it derived.
      record._defaultConfig = { ...lazy, maxRetries: 0 };
      const built = record._modelInstanceCache;
      if (built instanceof Map) for (const instance of built.values()) visit(instance, depth + 1);
    }
    for (const [key, inner] of Object.entries(record)) {
      if (key === 'bound' || (typeof inner === 'object' && inner !== null && 'caller' in inner)) {
        visit(inner, depth + 1);
      }
    }
  };
  visit(model, 0);
}
