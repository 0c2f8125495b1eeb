/**
 * The chat model hook point (R1, R2, R6, R8, R11): a `BaseChatModel` that runs each generation of any
 * LangChain chat model as one journaled step. The answer is journaled as a compact message (content,
 * tool calls, usage, ids), never the request, and rebuilt as an `AIMessageChunk` (what `withStructuredOutput`
 * and agents expect). A subclass, not a patched instance: `ChatOpenAI.bindTools` returns a new instance, so
 * a patch would be lost, while `bindTools` here wraps whatever the inner model returns.
 */

import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import type { BaseLanguageModelInput } from '@langchain/core/language_models/base';
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
  type BindToolsInput,
} from '@langchain/core/language_models/chat_models';
import { AIMessageChunk, type BaseMessage, type BaseMessageChunk } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import type { Runnable } from '@langchain/core/runnables';
import { type DurableStepOptions, durableStep } from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';
import { STEP_NAMES } from './step-names.js';

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

/** Options of {@link durableChatModel}: the retry knobs of core's `durableStep` (default 3 attempts). */
export interface DurableChatModelOptions
  extends Omit<DurableStepOptions<JournaledChatMessage>, 'serde'> {
  /** Journal step name; default `langchain:model`. Persisted: changing it breaks in-flight replays. */
  stepName?: string;
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
  /** Brand checked by {@link DurableChatModel.isInstance} (langchain's own `~brand` style). */
  readonly '~restate-agents': 'DurableChatModel' = 'DurableChatModel';
  /** The wrapped model (a field named `tools` would make `createAgent` think tools are bound). */
  readonly inner: ChatModelLike;
  readonly #ctx: Context;
  readonly #options: DurableChatModelOptions;

  constructor(ctx: Context, inner: ChatModelLike, options: DurableChatModelOptions = {}) {
    super({});
    this.#ctx = ctx;
    this.inner = inner;
    this.#options = options;
    turnOffRetries(inner);
  }

  /** Whether `value` is a durable chat model (by marker, so copies of this package agree). */
  static isInstance(value: unknown): value is DurableChatModel {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as { '~restate-agents'?: unknown })['~restate-agents'] === 'DurableChatModel'
    );
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
    return new DurableChatModel(this.#ctx, this.inner.bindTools(tools, kwargs), this.#options);
  }

  override async _generate(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
  ): Promise<ChatResult> {
    const message = fromJournal(await this.#step(messages, options, false));
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
    const message = fromJournal(await this.#step(messages, options, true));
    const chunk = new ChatGenerationChunk({ text: message.text, message });
    await runManager?.handleLLMNewToken(message.text, undefined, undefined, undefined, undefined, {
      chunk,
    });
    yield chunk;
  }

  #step(
    messages: BaseMessage[],
    options: BaseChatModelCallOptions & Record<string, unknown>,
    stream: boolean,
  ): Promise<JournaledChatMessage> {
    const { stepName = STEP_NAMES.model, ...stepOptions } = this.#options;
    // The agent's abort signal, callbacks and prompt index stay outside: callbacks fire once, from this
    // model, with the journaled answer; a fresh signal keeps LangChain's implicit one away from the call.
    const { signal: _signal, callbacks: _callbacks, promptIndex: _index, ...callOptions } = options;
    const config = { ...callOptions, callbacks: [], signal: new AbortController().signal };
    return durableStep(
      this.#ctx,
      stepName,
      async () => {
        let answer: BaseMessage | undefined;
        if (stream) {
          for await (const chunk of await this.inner.stream(messages, config)) {
            answer =
              answer === undefined
                ? chunk
                : (answer as BaseMessageChunk).concat(chunk as BaseMessageChunk);
          }
        } else {
          answer = await this.inner.invoke(messages, config);
        }
        if (answer === undefined) throw new Error('The chat model streamed no chunks');
        return toJournal(answer);
      },
      stepOptions,
    );
  }
}

/**
 * Makes a LangChain chat model durable: each generation (`invoke`, `stream`, `batch`, through `bindTools`
 * or `withStructuredOutput`, inside an agent or a LangGraph node) is one journaled step with a retry cap
 * (default 3 attempts) and classified provider errors, and the model's own retries are turned off so the
 * two never multiply. Message ids are assigned inside the step, so they are the same on every replay.
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
    tool_calls: ai.tool_calls ?? [],
    invalid_tool_calls: ai.invalid_tool_calls ?? [],
    ...(ai.usage_metadata !== undefined && { usage_metadata: ai.usage_metadata }),
    response_metadata: message.response_metadata ?? {},
    additional_kwargs: message.additional_kwargs ?? {},
  };
}

/** Rebuilds the answer as an `AIMessageChunk`: `withStructuredOutput`'s parser refuses a plain `AIMessage`. */
export function fromJournal(journaled: JournaledChatMessage): AIMessageChunk {
  const message = new AIMessageChunk({ ...journaled });
  // The chunk constructor drops invalid tool calls unless they come as tool call chunks: put them back,
  // so the caller can tell the model its arguments were malformed.
  message.invalid_tool_calls = journaled.invalid_tool_calls;
  message.lc_kwargs.invalid_tool_calls = journaled.invalid_tool_calls;
  return message;
}

/**
 * Restate owns retries (R1): a model's own retry loop (LangChain's `AsyncCaller`, 6 retries by default)
 * would multiply with the step's. It is switched off on the model, on what `bindTools` returned (a binding
 * keeps the model in `bound`) and on sub-clients that keep their own caller (`ChatOpenAI.completions`).
 */
function turnOffRetries(model: unknown): void {
  const visit = (value: unknown, depth: number) => {
    if (typeof value !== 'object' || value === null || depth > 2) return;
    const record = value as Record<string, unknown>;
    const caller = record.caller as { maxRetries?: unknown } | undefined;
    if (caller && typeof caller.maxRetries === 'number') caller.maxRetries = 0;
    if (typeof record.maxRetries === 'number') record.maxRetries = 0;
    for (const [key, inner] of Object.entries(record)) {
      if (key === 'bound' || (typeof inner === 'object' && inner !== null && 'caller' in inner)) {
        visit(inner, depth + 1);
      }
    }
  };
  visit(model, 0);
}
