/**
 * Keeps Restate's control errors out of the model's hands (R4, R5). ADK catches every error a tool throws and
 * rethrows a new `Error("Error in tool '…': <message>")` with no `cause`, then hands the model
 * `{ error: message }` and goes on; a plugin that rethrows is rewrapped the same way. So the original is
 * caught where it is thrown: each tool of a `withRestate` tree runs inside a guard that latches a control
 * error (terminal error, cancellation, suspension), ends ADK's invocation (`endInvocation`, and `runDurably`
 * aborts the run) and lets `runDurably` rethrow the original.
 */
import {
  type BaseTool,
  type BaseToolset,
  isBaseTool,
  isBaseToolset,
  isFunctionTool,
} from '@google/adk';
import { brand, hasBrand } from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';
import { attemptState, capture } from './attempt-state.js';
import { bindContext } from './restate-context.js';

const GUARDED = 'restate-agents.google-adk.guarded';

/** The parts of ADK's tool `Context` the guard reads. */
interface ToolContextLike {
  invocationContext?: { endInvocation?: boolean };
}

function endInvocation(toolContext: ToolContextLike | undefined): void {
  if (toolContext?.invocationContext) toolContext.invocationContext.endInvocation = true;
}

/** Runs one tool call for the invocation of `ctx`: binds the context, latches a control error. */
export async function guardToolCall<T>(
  ctx: Context,
  toolContext: ToolContextLike | undefined,
  run: () => T | Promise<T>,
): Promise<T> {
  bindContext(toolContext?.invocationContext, ctx);
  const { latch } = attemptState(ctx);
  if (latch.captured) {
    endInvocation(toolContext);
    throw latch.captured;
  }
  try {
    return await run();
  } catch (error) {
    if (capture(ctx, error)) endInvocation(toolContext);
    throw error;
  }
}

/** A copy of `object` (same prototype, same own properties) with `overrides` set. */
export function copyWith<T extends object>(object: T, overrides: Record<string, unknown>): T {
  const copy = Object.create(Object.getPrototypeOf(object)) as T;
  Object.defineProperties(copy, Object.getOwnPropertyDescriptors(object));
  for (const [key, value] of Object.entries(overrides)) {
    Object.defineProperty(copy, key, {
      value,
      writable: true,
      configurable: true,
      enumerable: true,
    });
  }
  return copy;
}

type Execute = (args: unknown, toolContext?: ToolContextLike) => unknown;
type RunAsync = (request: { args: unknown; toolContext: ToolContextLike }) => Promise<unknown>;

/**
 * A copy of `tool` whose calls run in the guard. A `FunctionTool` is guarded around its `execute` (inside
 * ADK's rewrap); any other tool (an `AgentTool`, an MCP tool…) around its `runAsync`.
 */
export function guardTool<T extends BaseTool>(ctx: Context, tool: T): T {
  if (hasBrand(tool, GUARDED)) return tool;
  if (isFunctionTool(tool)) {
    const execute = (tool as unknown as { execute: Execute }).execute;
    return brand(
      copyWith(tool, {
        execute: (args: unknown, toolContext?: ToolContextLike) =>
          guardToolCall(ctx, toolContext, () => execute.call(tool, args, toolContext)),
      }),
      GUARDED,
    );
  }
  const runAsync = (tool as unknown as { runAsync: RunAsync }).runAsync;
  return brand(
    copyWith(tool, {
      runAsync: (request: Parameters<RunAsync>[0]) =>
        guardToolCall(ctx, request?.toolContext, () => runAsync.call(tool, request)),
    }),
    GUARDED,
  );
}

/** A copy of `toolset` whose tools come guarded. */
export function guardToolset<T extends BaseToolset>(
  ctx: Context,
  toolset: T,
  wrap: (tool: BaseTool) => BaseTool = (tool) => guardTool(ctx, tool),
): T {
  if (hasBrand(toolset, GUARDED)) return toolset;
  const getTools = toolset.getTools;
  return brand(
    copyWith(toolset, {
      getTools: async (...args: Parameters<BaseToolset['getTools']>) =>
        (await getTools.apply(toolset, args)).map(wrap),
    }),
    GUARDED,
  );
}

/** Guards a tool or a toolset of an agent's `tools`; anything else (a built-in declaration) is left alone. */
export function guardToolUnion(ctx: Context, tool: unknown): unknown {
  if (isBaseTool(tool)) return guardTool(ctx, tool);
  if (isBaseToolset(tool)) return guardToolset(ctx, tool);
  return tool;
}
