/**
 * A durable tool's `execute`, as every adapter writes it: core's {@link durableToolStep} created at once and
 * awaited with the steps started beside it, the caller's abort signal merged with the attempt's, and a
 * give-up thrown for the SDK's tool-error path.
 */
import type { Context } from '@restatedev/restate-sdk';
import { type DurableToolStepOptions, durableToolStep } from './durable-tool-step.js';
import { stepBatch } from './ordered-execution.js';
import { withStepSignal } from './step-signal.js';

/** Options of {@link durableToolCall}: the tool step's, plus the SDK's abort signal for the call. */
export interface DurableToolCallOptions<T> extends DurableToolStepOptions<T> {
  /** The SDK's signal for this call; `action` gets it merged with the attempt's. */
  signal?: AbortSignal;
}

/**
 * Runs one tool call as one journaled step (the tool-call contract of {@link durableToolStep}) and returns
 * its value; a give-up rejects with the `ToolGaveUpError`, which the SDK hands the model as the tool's
 * error. The step is created before anything is awaited and handed to `stepBatch`, so tools an SDK starts
 * together create their steps in call order and are awaited by one `RestatePromise.allSettled`.
 *
 * @example
 * execute: (input, { toolCallId, abortSignal }) =>
 *   durableToolCall(ctx, toolStepName('my-sdk', 'refund', toolCallId), 'refund',
 *     (signal) => refund(input, { signal }), { signal: abortSignal }),
 */
export function durableToolCall<T>(
  ctx: Context,
  name: string,
  toolName: string,
  action: (signal: AbortSignal) => T | Promise<T>,
  options: DurableToolCallOptions<T> = {},
): Promise<T> {
  const { signal, ...stepOptions } = options;
  const step = durableToolStep(
    ctx,
    name,
    toolName,
    (attempt) => withStepSignal(signal, attempt, action),
    stepOptions,
  );
  return stepBatch(ctx)
    .add(step)
    .then((outcome) => {
      if (!outcome.ok) throw outcome.error;
      return outcome.value;
    });
}
