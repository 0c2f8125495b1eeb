/**
 * The Restate context reaches every tool (R3): ADK hands tools a `Context` whose `invocationContext` is the
 * run's; the adapter binds the invocation's Restate context to it (the tool guards of `withRestate` do, and
 * `RestatePlugin` is found through the run's plugin manager), so a tool declared once, at module level, finds
 * the context of the invocation running it.
 */
import { invalidOption } from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';

/** The plugin name `RestatePlugin` registers under; `pluginManager.getPlugin(RESTATE_PLUGIN_NAME)` finds it. */
export const RESTATE_PLUGIN_NAME = 'restate';

const bound = new WeakMap<object, Context>();
/** Each `RestatePlugin`'s context (kept outside the plugin, so it never shows in ADK's plugin API). */
const pluginContexts = new WeakMap<object, Context>();

/** Registers the context of a `RestatePlugin`. */
export function registerPlugin(plugin: object, ctx: Context): void {
  pluginContexts.set(plugin, ctx);
}

/** The context of the Restate plugin among a runner's or invocation's plugins, or `undefined`. */
export function pluginContext(pluginManager: unknown): Context | undefined {
  const plugin = (
    pluginManager as { getPlugin?: (name: string) => unknown } | undefined
  )?.getPlugin?.(RESTATE_PLUGIN_NAME);
  return typeof plugin === 'object' && plugin !== null ? pluginContexts.get(plugin) : undefined;
}

/** Binds `ctx` to an ADK invocation context (the object every tool and callback context points at). */
export function bindContext(invocationContext: unknown, ctx: Context): void {
  if (typeof invocationContext === 'object' && invocationContext !== null) {
    bound.set(invocationContext, ctx);
  }
}

/** What carries an ADK invocation context: a tool's or callback's `Context`, or the invocation context itself. */
export type InvocationContextSource =
  | { invocationContext?: unknown }
  | { pluginManager?: unknown }
  | undefined;

/** The Restate context bound to `source`'s invocation, or `undefined`. */
export function findContext(source: InvocationContextSource): Context | undefined {
  if (typeof source !== 'object' || source === null) return undefined;
  const invocation =
    'invocationContext' in source && source.invocationContext ? source.invocationContext : source;
  if (typeof invocation !== 'object' || invocation === null) return undefined;
  const direct = bound.get(invocation);
  if (direct) return direct;
  return pluginContext((invocation as { pluginManager?: unknown }).pluginManager);
}

/**
 * The Restate context of the invocation running this ADK tool or callback, from its `Context` (the
 * `toolContext` argument of a `FunctionTool`'s `execute`). Throws when the agent runs without the adapter.
 *
 * @example
 * new FunctionTool({ name: 'wait', execute: async (_args, toolContext) => {
 *   await restateContext(toolContext).sleep({ seconds: 5 });
 *   return 'waited';
 * } });
 */
export function restateContext<C extends Context = Context>(source: InvocationContextSource): C {
  const ctx = findContext(source);
  if (ctx === undefined) {
    throw invalidOption(
      'restateContext: no Restate context for this ADK invocation; run the agent through withRestate(ctx, agent) ' +
        'or add new RestatePlugin(ctx) to the Runner.',
    );
  }
  return ctx as C;
}
