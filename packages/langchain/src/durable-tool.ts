/**
 * The tool hook point for tools whose body is a single side effect (R3, R9): the whole execution becomes
 * one journaled step, so a replay returns the recorded result instead of running the side effect again.
 * Tools that do their own durable steps with `ctx` (sleeps, awakeables, several calls) stay plain tools.
 */

import type { CallbackManagerForToolRun } from '@langchain/core/callbacks/manager';
import type { RunnableConfig } from '@langchain/core/runnables';
import { DynamicStructuredTool, type StructuredToolInterface } from '@langchain/core/tools';
import { type DurableStepOptions, durableStep, stepFailureReason } from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';
import { STEP_NAMES } from './step-names.js';

/** Options of {@link durableTool}: the retry knobs of core's `durableStep` (default 3 attempts). */
export type DurableToolOptions = DurableStepOptions<unknown>;

/**
 * Wraps a LangChain tool so each call runs as one journaled step named `langchain:tool:<name>`, with a
 * retry cap and classified errors. Calls are keyed by tool call id: the same call executed twice in one
 * invocation (a LangGraph node retried after the tool finished) returns the first result, with no new step.
 *
 * Failures: a `TerminalError` thrown by the tool ends the agent (R4). A failure the step itself gave up on
 * (a non-retryable error, or the attempts ran out) is rethrown as an ordinary `Error`, so the agent hands
 * it to the model as the tool result. The result must be JSON-like (strings, objects, `Date`s, bytes).
 *
 * @example
 * const refund = durableTool(ctx, tool(({ orderId }) => payments.refund(orderId), {
 *   name: 'refund', description: 'Refund an order', schema: z.object({ orderId: z.string() }),
 * }));
 */
export function durableTool(
  ctx: Context,
  tool: StructuredToolInterface,
  options: DurableToolOptions = {},
): DynamicStructuredTool {
  const byCallId = new Map<string, Promise<unknown>>();
  const name = STEP_NAMES.tool(tool.name);
  const run = (input: unknown, config: RunnableConfig): Promise<unknown> =>
    durableStep(ctx, name, () => tool.invoke(input as never, config), options).catch(
      (error: unknown) => {
        throw toolFailure(tool.name, error);
      },
    );
  return new DynamicStructuredTool({
    name: tool.name,
    description: tool.description,
    schema: tool.schema,
    returnDirect: tool.returnDirect,
    responseFormat: (tool as { responseFormat?: 'content' | 'content_and_artifact' })
      .responseFormat,
    func: (
      input: unknown,
      _runManager?: CallbackManagerForToolRun,
      parentConfig?: RunnableConfig & { toolCall?: { id?: string } },
    ) => {
      // Inside the step the inner tool returns its raw output (no toolCall: no ToolMessage, formatted
      // outside with the outer call id), fires no callbacks of its own and ignores the agent's signal.
      const {
        toolCall,
        callbacks: _callbacks,
        signal: _signal,
        ...config
      } = parentConfig ?? ({} as RunnableConfig & { toolCall?: { id?: string } });
      const callId = toolCall?.id;
      if (callId === undefined) return run(input, config);
      let result = byCallId.get(callId);
      if (!result) {
        result = run(input, config);
        byCallId.set(callId, result);
      }
      return result;
    },
  });
}

function toolFailure(toolName: string, error: unknown): unknown {
  if (stepFailureReason(error) === undefined) return error;
  // A plain Error without `cause`: the control-error search must not find the step's TerminalError in it.
  return new Error(`Tool "${toolName}" failed: ${(error as Error).message}`);
}
