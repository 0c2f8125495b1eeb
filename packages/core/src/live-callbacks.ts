/**
 * SDK callbacks on replay. An agent SDK's callbacks and hooks (the AI SDK's `onStepEnd`/`onFinish`, OpenAI
 * Agents' run hooks, LangChain callbacks, telemetry integrations) are handler code: each replay of the
 * invocation runs the loop again over the journaled answers, so they fire again for every step already done.
 * That is what a callback that uses `ctx` (saves history, sets state) needs: skipping it on replay would
 * change the journal. A callback with an effect outside Restate (a log line, a metric, a push to a UI) wraps
 * itself in {@link liveOnly}, which tells live execution from replay the way `ctx.console` does.
 */

import type { Context, internal } from '@restatedev/restate-sdk';
import { invalidOption } from './repeating-failure.js';

/**
 * Whether the handler is running live, past the part of the journal it is replaying. Never branch on it
 * around `ctx` calls (the journal would differ between attempts); use it only for effects outside Restate.
 */
export function isLive(ctx: Context): boolean {
  const isProcessing = (ctx as Partial<internal.ContextInternal>).isProcessing;
  if (typeof isProcessing !== 'function') {
    throw invalidOption(
      'isLive needs the Restate context of a running handler (a context with isProcessing()), got another object.',
    );
  }
  return isProcessing.call(ctx);
}

/**
 * `callback`, run only when the handler is live (see {@link isLive}): once per step of the run, not again on
 * each replay. At-least-once still: a crash after a step's last journal entry and before its callback ran
 * (or finished) runs it live on the next attempt. The callback must not use `ctx`.
 *
 * @example
 * generateText(withRestate(ctx, { model, prompt, onStepEnd: liveOnly(ctx, (step) => metrics.record(step.usage)) }));
 */
export function liveOnly<A extends unknown[]>(
  ctx: Context,
  callback: (...args: A) => unknown,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    if (isLive(ctx)) await callback(...args);
  };
}
