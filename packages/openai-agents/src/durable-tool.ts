/**
 * Rules R3, R7 and R9 under the tool-call contract: a tool whose body is one side effect runs as one
 * journaled step (core's `durableToolStep`) named `openai-agents:tool:<name>:<callId>`. On replay the
 * journaled outcome comes back and the body does not run again. When its retries run out, or its error is
 * not retryable, the model receives a tool error naming the tool and the reason and the agent goes on
 * (`step.onGiveUp: 'fail'` ends the run instead); a `TerminalError` ends the run.
 *
 * With `DurableRunner`'s `toolConcurrency` above 1 the SDK starts several tools of a turn at once (its
 * worker pool over `Promise.all`). Their steps must not be awaited by several native awaits: the Restate
 * SDK fails the attempt with "awaitNext already pending". Each step is created at once, with no await
 * before it, and handed to core's `stepBatch`, which awaits the steps started in the same tick with one
 * `RestatePromise.allSettled`. The SDK's path from the model's answer to `execute` is microtasks only
 * (argument parsing is synchronous), so the tools of a turn reach `execute`, and create their steps, in
 * the order the model emitted them, on every attempt.
 */
import type {
  tool as sdkTool,
  ToolInputParameters,
  ToolOptions,
  ToolOutputSchema,
  UnknownContext,
} from '@openai/agents-core';
import {
  type DurableToolStepOptions,
  durableToolCall,
  idSource,
  isDurable,
  markDurable,
} from '@restate-agents/core';
import { restateContext } from './restate-context.js';
import { STEP_NAMES } from './step-names.js';
import { controlAwareTool, type tool } from './tool.js';

/** What {@link durableTool} adds to the SDK's `tool()` options. */
export interface DurableToolOptions {
  /**
   * The step's retry knobs (default 3 attempts), `attemptTimeout`, classification override, and
   * `onGiveUp`: `'model'` (default) hands the model a tool error once retries run out, `'fail'` ends the run.
   */
  step?: DurableToolStepOptions<unknown>;
}

interface CallDetails {
  toolCall?: { callId?: string };
  signal?: AbortSignal;
}

/**
 * Like {@link tool} (the SDK's `tool()` options, control errors end the run), with the whole `execute`
 * journaled as one step. Its result is journaled with core's serde (`Date`, bytes, `BigInt`, `Map`,
 * `undefined` survive; a circular value ends the run with an error naming the step). `execute` receives the
 * attempt's abort signal in `details.signal`: pass it to `fetch` so a request from an abandoned attempt is
 * cancelled.
 *
 * Use it for tools whose body is a single side effect. A body that waits (`ctx.sleep`, awakeables, calls to
 * other services) must be a plain {@link tool} using `restateContext(runContext)`: those cannot run
 * inside a step. Durable tools are the only tools `DurableRunner`'s `toolConcurrency` above 1 accepts.
 *
 * @example
 * const sendEmail = durableTool({
 *   name: 'send_email',
 *   description: 'Send an email',
 *   parameters: z.object({ to: z.string(), body: z.string() }),
 *   execute: ({ to, body }, _runContext, details) => mailer.send(to, body, { signal: details?.signal }),
 *   step: { maxRetryAttempts: 5, onGiveUp: 'fail' },
 * });
 */
export function durableTool<
  TParameters extends ToolInputParameters = undefined,
  Context = UnknownContext,
  Result = string,
  TOutputSchema extends ToolOutputSchema | undefined = undefined,
>(
  options: ToolOptions<TParameters, Context, TOutputSchema> & DurableToolOptions,
): ReturnType<typeof sdkTool<TParameters, Context, Result, TOutputSchema>> {
  const { step, ...toolOptions } = options;
  const execute = toolOptions.execute as (...args: unknown[]) => unknown;
  // The step hands `execute` the attempt's signal: the wrapper need not merge it in as well.
  const created = controlAwareTool(
    {
      ...toolOptions,
      execute: (input: unknown, runContext: unknown, details?: CallDetails) => {
        const ctx = restateContext(runContext as never);
        const callId =
          details?.toolCall?.callId ??
          idSource(ctx).id({ scope: `openai-agents:tool:${created.name}` });
        // Created now (no await before it) and awaited with the steps of tools started alongside; a give-up
        // goes the way of any tool error: to the error function, then to the model.
        return durableToolCall(
          ctx,
          STEP_NAMES.tool(created.name, callId),
          created.name,
          (signal) => execute(input, runContext, { ...details, signal }),
          { ...step, ...(details?.signal && { signal: details.signal }) },
        );
      },
    } as unknown as Parameters<typeof tool>[0],
    false,
  );
  return markDurable(created, 'tool') as ReturnType<
    typeof sdkTool<TParameters, Context, Result, TOutputSchema>
  >;
}

/** Whether `candidate` came from {@link durableTool}: one step, created without awaiting. @internal */
export function isDurableTool(candidate: unknown): boolean {
  return isDurable(candidate, 'tool');
}
