/**
 * Rules R4 and R5 for function tools. The SDK's `tool()` catches every error its `execute` throws and hands
 * it to the tool's error function, whose return value the model reads, so a `TerminalError`, a
 * cancellation or a suspension would become "An error occurred while running the tool" and the agent
 * would loop on. No runner-level hook sees that catch; the error function is the one place to intercept.
 * The same wrapper hands `execute` the attempt's abort signal and turns its result into plain JSON the way
 * the journal keeps it (a `BigInt` as its decimal text; a circular value ends the run with an error naming
 * the tool instead of reaching the model as "[object with circular references]").
 */
import { tool as sdkTool } from '@openai/agents-core';
import {
  rethrowIfControl,
  ToolGaveUpError,
  toJsonValue,
  withStepSignal,
} from '@restate-agents/core';
import { findBinding } from './restate-context.js';

type ToolErrorFunction = NonNullable<ReturnType<typeof sdkTool>['errorFunction']>;
type ToolOptionsAny = Parameters<typeof sdkTool>[0];
// The SDK's options type is a union of generic shapes TypeScript cannot re-check after a spread.
const createTool = sdkTool as (options: ToolOptionsAny) => ReturnType<typeof sdkTool>;

/**
 * A drop-in for the SDK's `tool()` with the same options, whose Restate control errors (terminal,
 * cancelled, suspended, closed) end the run instead of reaching the model. Other errors still go to your
 * `errorFunction`, or the SDK's default message.
 *
 * The body runs as written: do side effects through `restateContext(runContext)` (`ctx.run`, `ctx.sleep`,
 * awakeables), or use {@link durableTool} to journal the whole body as one step.
 *
 * @example
 * import { restateContext, tool } from '@restate-agents/openai-agents';
 *
 * const refund = tool({
 *   name: 'refund',
 *   description: 'Refund an order',
 *   parameters: z.object({ orderId: z.string() }),
 *   execute: async ({ orderId }, runContext) => {
 *     const ctx = restateContext(runContext);
 *     await ctx.run('refund', () => payments.refund(orderId));
 *     return `refunded ${orderId}`;
 *   },
 * });
 */
export const tool: typeof sdkTool = ((options: ToolOptionsAny) =>
  controlAwareTool(options, true)) as typeof sdkTool;

/**
 * {@link tool}, with `execute` handed the attempt's abort signal (merged with the SDK's) when `attemptSignal`
 * is set. A `durableTool` passes `false`: its step hands its body the attempt's signal itself, and merging it
 * here too would link one more signal per call to the attempt's. @internal
 */
export function controlAwareTool(
  options: ToolOptionsAny,
  attemptSignal: boolean,
): ReturnType<typeof sdkTool> {
  const errorFunction = controlAwareErrorFunction(options);
  const execute = options.execute as (
    input: unknown,
    runContext: unknown,
    details?: { signal?: AbortSignal },
  ) => unknown;
  return createTool({
    ...options,
    errorFunction,
    execute: async (input: unknown, runContext: unknown, details?: { signal?: AbortSignal }) => {
      const attempt = attemptSignal
        ? findBinding(runContext)?.ctx.request().attemptCompletedSignal
        : undefined;
      const result = attempt
        ? await withStepSignal(details?.signal, attempt, (signal) =>
            execute(input, runContext, { ...details, signal }),
          )
        : await execute(input, runContext, { ...details });
      return typeof result === 'string'
        ? result
        : toJsonValue(result, `The result of tool "${options.name ?? execute.name}"`);
    },
  } as ToolOptionsAny);
}

/**
 * The SDK's default tool error message (0.19+), used when the tool has no `errorFunction` of its own. The
 * SDK does not export its default function; a unit test pins this text to the installed SDK's output.
 */
export const SDK_DEFAULT_TOOL_ERROR_MESSAGE =
  'An error occurred while running the tool. Please try again.';

/**
 * The error function the tool gets: `null` stays `null` (everything propagates), tools with an output
 * schema keep the SDK's default (rethrow); otherwise {@link modelToolError}.
 */
function controlAwareErrorFunction(options: ToolOptionsAny): ToolErrorFunction | null | undefined {
  const custom = options.errorFunction as ToolErrorFunction | null | undefined;
  if (custom === null) return null;
  if (custom === undefined && options.outputSchema !== undefined) return undefined;
  return (runContext, error, details) =>
    modelToolError(error, custom && (() => custom(runContext, error, details)));
}

/**
 * What the model reads for a failed tool call (function or MCP): a control error is rethrown (it ends the
 * run), then the user's error function answers, else a durable tool's give-up names the tool and the
 * reason (the tool-call contract), else the SDK's default message. @internal
 */
export function modelToolError<R>(error: unknown, custom?: () => R): R | string {
  rethrowIfControl(error);
  if (custom) return custom();
  return ToolGaveUpError.isInstance(error) ? error.message : SDK_DEFAULT_TOOL_ERROR_MESSAGE;
}
