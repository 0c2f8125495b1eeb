/**
 * The tool hook (R3, R9): an ADK `FunctionTool` whose whole `execute` is one journaled step, named after the
 * tool and keyed by the model's function-call id (`google-adk:tool:<name>:<functionCallId>`; the id is filled
 * inside the model step, so it is the same on replay). On replay the journaled result is returned and the side
 * effect does not run again. The Restate context comes from the invocation (see `restateContext`), so a
 * durable tool can be declared once, at module level. Tools that do several durable things themselves
 * (`ctx.run`, `ctx.sleep`, awakeables) stay plain tools that call `restateContext(toolContext)`.
 *
 * The outcome follows core's tool-call contract (`durableToolStep`): a value is journaled and returned; an
 * ordinary error is retried with the cap and, once retries run out or it is not retryable, the model receives
 * `{ error: 'Tool "<name>" failed: …' }` (ADK's own tool-error shape) and the agent goes on
 * (`onGiveUp: 'fail'` ends the run instead); a `TerminalError` ends the run. The tool receives the attempt's
 * abort signal as its context's `abortSignal`.
 */
import type { FunctionTool } from '@google/adk';
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
import { copyWith } from './tool-guard.js';

/** Options of {@link durableTool}: the step's retry cap, classification, give-up; the name in the step. */
export interface DurableToolOptions extends Omit<DurableToolStepOptions<unknown>, 'serde'> {
  /** The name in the step name (default: the tool's `name`). */
  name?: string;
}

type Execute = (args: unknown, toolContext?: ToolContext) => unknown;
interface ToolContext {
  functionCallId?: string;
  abortSignal?: AbortSignal;
  invocationContext?: unknown;
}

/** `toolContext` seen through a different abort signal (its methods and state stay the original's). */
function withSignal(toolContext: ToolContext, signal: AbortSignal): ToolContext {
  return Object.create(toolContext, { abortSignal: { value: signal, enumerable: true } });
}

/**
 * Makes an ADK `FunctionTool`'s execution one journaled step; the tool keeps its name, description, schema,
 * `requireConfirmation` and `isLongRunning`. A tool that is durable already comes back unchanged.
 *
 * @example
 * const charge = durableTool(new FunctionTool({ name: 'charge', parameters: z.object({ amount: z.number() }),
 *   execute: ({ amount }) => payments.charge(amount) }));
 */
export function durableTool<T extends FunctionTool>(tool: T, options: DurableToolOptions = {}): T {
  if (isDurable(tool, 'tool')) return tool;
  const execute = (tool as unknown as { execute?: Execute })?.execute;
  if (typeof execute !== 'function') {
    throw invalidOption(
      `durableTool(tool) takes an ADK FunctionTool (new FunctionTool({ name, execute, … })), got ${
        tool === null ? 'null' : typeof tool
      }.`,
    );
  }
  const { name = tool.name, ...stepOptions } = options;
  const durableExecute = async (args: unknown, toolContext?: ToolContext): Promise<unknown> => {
    const ctx = restateContext(toolContext as Parameters<typeof restateContext>[0]);
    const callId = toolContext?.functionCallId;
    if (toolContext === undefined || typeof callId !== 'string' || callId === '') {
      throw invalidOption(
        `durableTool "${name}" was called without a function-call id: durable tools run inside an agent's ` +
          'loop, where ADK passes the call id in the tool context.',
      );
    }
    const outcome = await durableToolStep(
      ctx,
      toolStepName(SDK, name, callId),
      name,
      (attemptSignal) =>
        withStepSignal(toolContext.abortSignal, attemptSignal, (signal) =>
          execute.call(tool, args, withSignal(toolContext, signal)),
        ),
      stepOptions,
    );
    return outcome.ok ? outcome.value : { error: outcome.error.message };
  };
  return markDurable(copyWith(tool, { execute: durableExecute }), 'tool');
}
