/**
 * The Restate context travels through Mastra in the run's `RequestContext` (R3): Mastra hands it to every
 * tool (`context.requestContext`), to dynamic arguments (`model`, `tools`, `memory` as functions of
 * `{ requestContext }`) and, copied, to sub-agents. {@link withRestate} puts it there.
 */

import { RequestContext } from '@mastra/core/request-context';
import { invalidOption, type LiveStream } from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';

/** The `RequestContext` key the invocation's context is kept under. */
export const RESTATE_CONTEXT_KEY = 'restate-agents.context';

/**
 * The key of the run's live stream (`withRestate(..., { live })`): `restateModel` reads it, so an agent
 * declared at module level streams live in the runs that ask for it. Only the run's own agent has it: a
 * sub-agent's steps are not steps of the run's stream, so `withRestate` removes it for them.
 */
const LIVE_STREAM_KEY = 'restate-agents.live';

/** What carries a request context: a tool's execution context, a dynamic argument's argument, or one itself. */
export type RequestContextSource =
  | RequestContext
  | { requestContext?: RequestContext | undefined }
  | undefined;

/**
 * The Restate context of the invocation running this Mastra agent, from a tool's execution context, a
 * dynamic argument's `{ requestContext }`, or a `RequestContext`. Throws when the run was not started
 * through {@link withRestate} or `durableAgent`.
 *
 * @example
 * createTool({ id: 'wait', execute: async (input, context) => restateContext(context).sleep({ seconds: 5 }) });
 */
export function restateContext<C extends Context = Context>(source: RequestContextSource): C {
  const ctx = findContext(source);
  if (ctx === undefined) {
    throw invalidOption(
      'restateContext: no Restate context in the request context; run the agent through ' +
        'durableAgent(ctx, agent) or pass withRestate(ctx, …) as its call options.',
    );
  }
  return ctx as C;
}

/** The context in `source`, or `undefined`. */
export function findContext(source: RequestContextSource): Context | undefined {
  const requestContext =
    source instanceof RequestContext
      ? source
      : (source as { requestContext?: unknown })?.requestContext;
  if (!requestContext || typeof (requestContext as RequestContext).get !== 'function')
    return undefined;
  return (requestContext as RequestContext).get(RESTATE_CONTEXT_KEY) as Context | undefined;
}

/** A copy of `requestContext` (or a new one) that carries `ctx`; the caller's object is left as it was. */
export function withContext(ctx: Context, requestContext?: RequestContext): RequestContext {
  // biome-ignore lint/suspicious/noExplicitAny: the caller's request context holds values of any type.
  const carrying = new RequestContext<any>(requestContext ? [...requestContext.entries()] : []);
  carrying.set(RESTATE_CONTEXT_KEY, ctx);
  return carrying as RequestContext;
}

/** The live stream of the run whose request context is `requestContext`, if it streams live. */
export function findLive(requestContext: unknown): LiveStream | undefined {
  if (!requestContext || typeof (requestContext as RequestContext).get !== 'function')
    return undefined;
  return (requestContext as RequestContext).get(LIVE_STREAM_KEY) as LiveStream | undefined;
}

/** Puts `live` in `requestContext` (a copy made by {@link withContext}), or removes the one it holds. */
export function setLive(requestContext: RequestContext, live: LiveStream | undefined): void {
  // biome-ignore lint/suspicious/noExplicitAny: the caller's request context holds values of any type.
  const context = requestContext as RequestContext<any>;
  if (live) context.set(LIVE_STREAM_KEY, live);
  else context.delete(LIVE_STREAM_KEY);
}
