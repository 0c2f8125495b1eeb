/**
 * The tool hook (R3, R9): a Mastra tool whose whole `execute` becomes one journaled step, named after the
 * tool and keyed by the model's tool call id (`mastra:tool:<name>:<toolCallId>`; the id is journaled with
 * the model's answer, so it is stable on replay). On replay the journaled result is returned and the side
 * effect does not run again. The Restate context comes from the run's request context, so a durable tool
 * can be declared once, at module level. Tools that do several durable things themselves (`ctx.run`,
 * `ctx.sleep`, awakeables) stay plain tools that call `restateContext(context)`.
 *
 * The outcome follows core's tool-call contract (`durableToolStep`): a value is journaled and returned; an
 * ordinary error is retried with the cap and, once retries run out or it is not retryable, thrown as a
 * `ToolGaveUpError`, which Mastra hands the model as a tool error so the agent goes on (`onGiveUp: 'fail'`
 * ends the run instead); a `TerminalError` ends the run. The tool receives the attempt's abort signal.
 */

import type { ToolExecutionContext } from '@mastra/core/tools';
import {
  type DurableToolStepOptions,
  durableToolStep,
  invalidOption,
  isDurable,
  markDurable,
  toolStepName,
  withStepSignal,
} from '@restate-agents/core';
import { restateContext } from './restate-context.js';
import { SDK } from './step-names.js';

/** Options of {@link durableTool}: the step's retry cap, classification, give-up; the name in the step. */
export interface DurableToolOptions extends Omit<DurableToolStepOptions<unknown>, 'serde'> {
  /** The name in the step name (default: the tool's `id`). */
  name?: string;
}

/** The part of a Mastra tool (`createTool`, an MCP tool) that {@link durableTool} reads. */
export interface MastraTool {
  id: string;
  execute?: (input: never, context: never) => unknown;
}

type Execute = (
  input: unknown,
  context: ToolExecutionContext & { requestContext?: unknown },
) => unknown;

/**
 * Makes a Mastra tool's execution one journaled step; the tool keeps its id, schemas and description.
 * A tool without `execute` (a client tool) and a tool that is durable already come back unchanged.
 *
 * @example
 * const charge = durableTool(createTool({ id: 'charge', inputSchema, execute: ({ amount }) => payments.charge(amount) }));
 */
export function durableTool<T extends MastraTool>(tool: T, options: DurableToolOptions = {}): T {
  const execute = tool?.execute as Execute | undefined;
  if (!execute || isDurable(tool, 'tool')) return tool;
  const { name = tool.id, ...stepOptions } = options;
  if (typeof name !== 'string' || name === '') {
    throw invalidOption(
      'durableTool needs a tool with an `id` (or options.name): its steps are named `mastra:tool:<name>:<toolCallId>`.',
    );
  }
  const durableExecute = async (input: unknown, context: Parameters<Execute>[1]) => {
    const ctx = restateContext(context);
    const callId = context?.agent?.toolCallId;
    if (typeof callId !== 'string' || callId === '') {
      throw invalidOption(
        `durableTool "${name}" was called without a tool call id: durable tools run inside an agent's loop ` +
          "(durableAgent or withRestate), where Mastra passes the model's tool call id.",
      );
    }
    const outcome = await durableToolStep(
      ctx,
      toolStepName(SDK, name, callId),
      name,
      (attemptSignal) =>
        withStepSignal(context.abortSignal, attemptSignal, (abortSignal) =>
          execute(input, { ...context, abortSignal }),
        ),
      stepOptions,
    );
    // Mastra turns a thrown error into a tool error for the model: the give-up names the tool and reason.
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  };
  // A copy on the tool's own prototype: `createTool` returns a class instance, and the SDK reads its fields.
  const durable = Object.assign(Object.create(Object.getPrototypeOf(tool)) as T, tool, {
    execute: durableExecute,
  });
  return markDurable(durable, 'tool');
}

/**
 * {@link durableTool} for every tool of a tool set (an agent's `tools`), each step named after its key.
 *
 * @example
 * const agent = new Agent({ …, tools: durableTools({ charge, sendEmail }) });
 */
export function durableTools<TOOLS extends Record<string, MastraTool>>(
  tools: TOOLS,
  options: Omit<DurableToolOptions, 'name'> = {},
): TOOLS {
  const durable: Record<string, MastraTool> = {};
  for (const [name, tool] of Object.entries(tools)) {
    durable[name] = durableTool(tool, { ...options, name });
  }
  return durable as TOOLS;
}

/** Whether `tool` came from {@link durableTool}. */
export function isDurableTool(tool: unknown): boolean {
  return isDurable(tool, 'tool');
}
