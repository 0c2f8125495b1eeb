/**
 * The tool hook (R3, R9): a tool whose whole `execute` becomes one journaled step, named after the tool and
 * keyed by the model's tool call id (journaled with the model's answer, so stable on replay). On replay the
 * journaled result is returned and the side effect does not run again. Tools that do several durable things
 * themselves (`ctx.run`, `ctx.sleep`, awakeables, service calls) stay plain tools holding `ctx` by closure.
 *
 * The outcome follows core's tool-call contract (`durableToolStep`): a value is journaled and returned; an
 * ordinary error is retried with the cap and, once retries run out or it is not retryable, thrown as a
 * `ToolGaveUpError`, which the AI SDK hands the model as a tool error so the agent goes on (`onGiveUp: 'fail'`
 * ends the run instead); a `TerminalError` ends the run. The tool receives the attempt's abort signal.
 *
 * When the SDK runs several tools at once (`withRestate`'s `toolConcurrency`), their steps must not be
 * awaited by several native awaits: the Restate SDK fails the attempt with "awaitNext already pending".
 * Each step is created at once, in the order the SDK starts the tools (model order), and the steps started
 * together are awaited by a single `RestatePromise.allSettled` (core's step batch).
 */
import {
  type DurableToolStepOptions,
  durableToolCall,
  invalidOption,
  isDurable,
  markDurable,
  toJsonValue,
  toolStepName,
  withStepSignal,
} from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';
import type { Tool, ToolExecutionOptions, ToolSet } from 'ai';
import { SDK } from './step-names.js';

/** Options of {@link durableTool} and {@link durableTools}: the step's retry cap, classification, give-up. */
export interface DurableToolOptions extends Omit<DurableToolStepOptions<unknown>, 'serde'> {
  /** The tool's name, put in the step name (`ai-sdk:tool:<name>:<toolCallId>`); {@link durableTools} uses the key. */
  name: string;
}

/**
 * Makes one tool's execution a journaled step. A streaming `execute` (an async iterable of preliminary
 * results) is read to its end inside the step and only the final result is journaled and returned.
 *
 * @example
 * const charge = durableTool(ctx, tool({ inputSchema, execute: ({ amount }) => payments.charge(amount) }), { name: 'charge' });
 */
export function durableTool<T extends Tool>(ctx: Context, tool: T, options: DurableToolOptions): T {
  const execute = tool.execute as
    | ((input: unknown, options: ToolExecutionOptions<unknown>) => unknown)
    | undefined;
  if (!execute || isDurable(tool, 'tool')) return tool;
  const { name, ...stepOptions } = options ?? ({} as DurableToolOptions);
  if (typeof name !== 'string' || name === '') {
    throw invalidOption(
      'durableTool needs options.name (the key of the tool in your tool set): its steps are named ' +
        "`ai-sdk:tool:<name>:<toolCallId>`. Pass { name: '…' }, or wrap the whole set with durableTools.",
    );
  }
  const durable = {
    ...tool,
    execute: async (input: unknown, executionOptions: ToolExecutionOptions<unknown>) => {
      // The SDK turns a thrown error into a tool error for the model: a give-up names the tool and reason.
      return durableToolCall(
        ctx,
        toolStepName(SDK, name, executionOptions.toolCallId),
        name,
        (attemptSignal) =>
          withStepSignal(executionOptions.abortSignal, attemptSignal, (abortSignal) =>
            lastValue(execute(input, { ...executionOptions, abortSignal })),
          ),
        stepOptions,
      );
    },
  };
  return markDurable(withJsonModelOutput(durable as Tool, name), 'tool') as T;
}

/**
 * `tool` with a `toModelOutput` that turns every value the journal keeps (`BigInt`, `Map`, `Date`, bytes …)
 * into JSON the model can read; the SDK's default `JSON.stringify` throws on a `BigInt`, after the step, on
 * every replay. A tool that has its own `toModelOutput` keeps it.
 */
export function withJsonModelOutput<T extends Tool>(tool: T, name: string): T {
  if (tool.toModelOutput) return tool;
  return {
    ...tool,
    toModelOutput: ({ output }: { output: unknown }) =>
      typeof output === 'string'
        ? { type: 'text', value: output }
        : { type: 'json', value: toJsonValue(output, `the result of tool "${name}"`) ?? null },
  } as T;
}

/** Whether `tool` came from {@link durableTool} (its execution is one step, created without awaiting). */
export function isDurableTool(tool: unknown): boolean {
  return isDurable(tool, 'tool');
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
