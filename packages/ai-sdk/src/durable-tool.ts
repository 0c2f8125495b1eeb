/**
 * The tool hook (R3, R9): a tool whose whole `execute` becomes one journaled step, named after the tool and
 * keyed by the model's tool call id (journaled with the model's answer, so stable on replay). On replay the
 * journaled result is returned and the side effect does not run again. Tools that do several durable things
 * themselves (`ctx.run`, `ctx.sleep`, awakeables, service calls) stay plain tools holding `ctx` by closure.
 *
 * When the SDK runs several tools at once (`withRestate`'s `toolConcurrency`), their steps must not be
 * awaited by several native awaits: the Restate SDK fails the attempt with "awaitNext already pending".
 * Each step is created at once, in the order the SDK starts the tools (model order), and the steps started
 * together are awaited by a single `RestatePromise.allSettled`.
 */
import { type DurableStepOptions, durableStep, stepBatch } from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';
import type { Tool, ToolExecutionOptions, ToolSet } from 'ai';
import { STEP_NAMES } from './step-names.js';

/** Options of {@link durableTool} and {@link durableTools}: the step's retry cap and classification. */
export interface DurableToolOptions extends Omit<DurableStepOptions<unknown>, 'serde'> {
  /** Put in the step name (`ai-sdk:tool:<name>:<toolCallId>`); {@link durableTools} uses the tool's key. */
  name?: string;
}

/**
 * Makes one tool's execution a journaled step. A streaming `execute` (an async iterable of preliminary
 * results) is read to its end inside the step and only the final result is journaled and returned.
 *
 * @example
 * const charge = durableTool(ctx, tool({ inputSchema, execute: ({ amount }) => payments.charge(amount) }), { name: 'charge' });
 */
export function durableTool<T extends Tool>(
  ctx: Context,
  tool: T,
  options: DurableToolOptions = {},
): T {
  const execute = tool.execute as
    | ((input: unknown, options: ToolExecutionOptions<unknown>) => unknown)
    | undefined;
  if (!execute) return tool;
  const { name, ...stepOptions } = options;
  const durable = {
    ...tool,
    execute: (input: unknown, executionOptions: ToolExecutionOptions<unknown>) =>
      stepBatch(ctx).add(
        durableStep(
          ctx,
          STEP_NAMES.tool(name, executionOptions.toolCallId),
          () => lastValue(execute(input, executionOptions)),
          stepOptions,
        ),
      ),
  };
  Object.defineProperty(durable, DURABLE_TOOL, { value: true });
  return durable as T;
}

const DURABLE_TOOL = Symbol.for('restate-agents.ai-sdk.durable-tool');

/** Whether `tool` came from {@link durableTool} (its execution is one step, created without awaiting). */
export function isDurableTool(tool: unknown): boolean {
  return typeof tool === 'object' && tool !== null && DURABLE_TOOL in tool;
}

/**
 * {@link durableTool} for every tool of a tool set, each step named after its key.
 *
 * @example
 * const tools = durableTools(ctx, { charge, sendEmail });
 */
export function durableTools<TOOLS extends ToolSet>(
  ctx: Context,
  tools: TOOLS,
  options: Omit<DurableToolOptions, 'name'> = {},
): TOOLS {
  const durable: Record<string, Tool> = {};
  for (const [name, tool] of Object.entries(tools)) {
    durable[name] = durableTool(ctx, tool, { ...options, name });
  }
  return durable as TOOLS;
}

async function lastValue(result: unknown): Promise<unknown> {
  const value = await result;
  if (value === null || typeof value !== 'object' || !(Symbol.asyncIterator in value)) return value;
  let last: unknown;
  for await (const item of value as AsyncIterable<unknown>) last = item;
  return last;
}
