/**
 * The honest floor for Google ADK (see hand-wired.ts): an ADK model whose every call runs in one `ctx.run`,
 * the responses collected inside it and journaled with Restate's default JSON serde, then yielded again.
 * Nothing else: no retry cap, no error classification, no replay-stable function-call ids (ADK draws them
 * after the call; the hand-wired tool step has a constant name, so they need not match on replay).
 *
 * In a file of its own, so the bench imports `@google/adk` only when a run asks for it.
 */
import { BaseLlm, type BaseLlmConnection, type LlmRequest, type LlmResponse } from '@google/adk';
import type * as restate from '@restatedev/restate-sdk';

class HandWiredLlm extends BaseLlm {
  readonly #ctx: restate.Context;
  readonly #inner: BaseLlm;

  constructor(ctx: restate.Context, inner: BaseLlm) {
    super({ model: inner.model });
    this.#ctx = ctx;
    this.#inner = inner;
  }

  async *generateContentAsync(
    llmRequest: LlmRequest,
    stream = false,
    abortSignal?: AbortSignal,
  ): AsyncGenerator<LlmResponse, void> {
    const responses = await this.#ctx.run('model', async () => {
      const collected: LlmResponse[] = [];
      for await (const response of this.#inner.generateContentAsync(
        llmRequest,
        stream,
        abortSignal,
      )) {
        collected.push(response);
      }
      return collected;
    });
    yield* responses;
  }

  connect(llmRequest: LlmRequest): Promise<BaseLlmConnection> {
    return this.#inner.connect(llmRequest);
  }
}

/** `model` with `ctx.run` around each call. */
export function handWiredAdkModel(ctx: restate.Context, model: BaseLlm): BaseLlm {
  return new HandWiredLlm(ctx, model);
}
