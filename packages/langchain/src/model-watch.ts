/**
 * What the durable models of one invocation saw, shared with `restateMiddleware` through the context:
 * a middleware between it and the model (modelRetry, modelFallback) may swallow a failure or answer with
 * a model of its own, and the middleware must still end the run on a control error and refuse an answer
 * that no journaled step produced.
 */
import { ControlErrorLatch } from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';

export interface ModelWatch {
  /** Control errors (a cancellation) raised by a durable model or tool of this invocation. */
  readonly latch: ControlErrorLatch;
  /** Ids of the answers rebuilt from the journal. */
  readonly answerIds: Set<string>;
  /** Steps of a durable model that gave up (retries ran out, or a non-retryable provider error). */
  failures: number;
}

const watches = new WeakMap<Context, ModelWatch>();

/** The watch of the invocation `ctx` belongs to (one context object per attempt). */
export function modelWatch(ctx: Context): ModelWatch {
  let watch = watches.get(ctx);
  if (!watch) {
    watch = { latch: new ControlErrorLatch(), answerIds: new Set(), failures: 0 };
    watches.set(ctx, watch);
  }
  return watch;
}
