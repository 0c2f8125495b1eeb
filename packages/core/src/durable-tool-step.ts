/**
 * The tool-call contract for a durable tool (the whole execution is one journaled step), in one place for
 * every adapter:
 *
 * - returns a value: journaled once; the model receives it;
 * - throws an ordinary error: retried with the cap and classified (R2); once retries run out, or at once
 *   when it is not retryable, the model receives a tool error naming the tool and the reason, and the agent
 *   goes on (`onGiveUp: 'fail'` ends the run instead);
 * - throws a `TerminalError`: the run ends with it (R4);
 * - a value that cannot be journaled (circular, too large): the run ends with a terminal error naming it;
 * - suspension, cancellation, a closed invocation: propagate (R5), never reach the model.
 */
import { type Context, type RestatePromise, TerminalError } from '@restatedev/restate-sdk';
import { findControlError } from './control-errors.js';
import {
  type DurableStepOptions,
  type StepFailureReason,
  settledStep,
  stepFailureReason,
} from './durable-step.js';
import { ToolGaveUpError } from './errors/tool-gave-up-error.js';

/** Options of {@link durableToolStep}: the step's options, plus what a give-up means for this tool. */
export interface DurableToolStepOptions<T> extends DurableStepOptions<T> {
  /**
   * What happens when the step gives up on an ordinary error: `'model'` (default) resolves to a
   * {@link ToolGaveUpError} the adapter hands the model as the tool's result; `'fail'` ends the run with
   * the step's `TerminalError` (for tools whose failure must stop the agent, e.g. a payment).
   */
  onGiveUp?: 'model' | 'fail';
}

/** What a durable tool step resolves to: the tool's value, or the error the model should receive. */
export type ToolStepOutcome<T> = { ok: true; value: T } | { ok: false; error: ToolGaveUpError };

/** Failures the model may recover from; the rest (terminal errors, unjournalable values) end the run. */
const GIVE_UP_REASONS: ReadonlySet<StepFailureReason> = new Set<StepFailureReason>([
  'bad-request',
  'authentication',
  'permission-denied',
  'not-found',
  'payload-too-large',
  'unprocessable',
  'context-length',
  'content-filter',
  'client-error',
  'request-timeout',
  'conflict',
  'rate-limit',
  'server-error',
  'network',
  'timeout',
  'aborted',
  'invalid-response',
  'unknown',
  'retries-exhausted',
  'retry-after-exceeds-limit',
]);

/**
 * Runs one tool execution as one journaled step (`name`, usually `toolStepName(sdk, toolName, callId)`)
 * with the retry cap and classification of {@link durableStep}, and applies the tool-call contract (see
 * the module comment). `action` receives the attempt's abort signal: pass it to whatever the tool calls.
 *
 * Returns a `RestatePromise`, so it combines with `RestatePromise.all`, `stepBatch` and `executeInOrder`.
 * On replay the journaled outcome comes back, the give-up included (its reason travels in the journal).
 *
 * @example
 * const outcome = await durableToolStep(ctx, toolStepName('openai', 'refund', call.id), 'refund',
 *   (signal) => refund(call.arguments, { signal }));
 * const content = outcome.ok ? JSON.stringify(outcome.value) : outcome.error.message;
 */
export function durableToolStep<T>(
  ctx: Context,
  name: string,
  toolName: string,
  action: (attemptSignal: AbortSignal) => T | Promise<T>,
  options: DurableToolStepOptions<T> = {},
): RestatePromise<ToolStepOutcome<T>> {
  const { onGiveUp = 'model', ...stepOptions } = options;
  if (onGiveUp !== 'model' && onGiveUp !== 'fail') {
    throw new TypeError(`onGiveUp must be 'model' or 'fail', got ${JSON.stringify(onGiveUp)}`);
  }
  return settledStep(ctx, name, action, stepOptions, (value, failure): ToolStepOutcome<T> => {
    if (failure === undefined) return { ok: true, value: value as T };
    if (onGiveUp === 'model') {
      const gaveUp = asToolGaveUp(failure, toolName);
      if (gaveUp) return { ok: false, error: gaveUp };
      throw failure;
    }
    // Marked, so ordered execution ends the run with it instead of handing it to the model.
    throw asFatal(failure);
  });
}

/** Metadata mark of a give-up the tool asked to end the run with (`onGiveUp: 'fail'`). */
const ON_GIVE_UP_KEY = 'restate-agents.on-give-up';

/**
 * The {@link ToolGaveUpError} for a step failure that is a tool giving up (a non-retryable error, or its
 * retries ran out) — not a `TerminalError` the tool threw, not an unjournalable value, not a give-up under
 * `onGiveUp: 'fail'` — or `undefined`. `toolName` defaults to the failed step's name. Works on failures
 * replayed from the journal: the reason travels in their metadata. `executeInOrder` and `Turnstile` use it,
 * so a `durableStep` that gives up inside a tool reaches the model instead of ending the run.
 */
export function asToolGaveUp(error: unknown, toolName?: string): ToolGaveUpError | undefined {
  if (ToolGaveUpError.isInstance(error)) return error;
  // The control error an SDK may have wrapped decides: a give-up, or something that ends the run.
  const failure = (findControlError(error) ?? error) as TerminalError;
  const reason = stepFailureReason(failure);
  if (reason === undefined || !GIVE_UP_REASONS.has(reason)) return undefined;
  if (failure.metadata?.[ON_GIVE_UP_KEY] === 'fail') return undefined;
  const step = failure.metadata?.step ?? toolName ?? 'unknown';
  return new ToolGaveUpError(toolName ?? step, step, reason, detailOf(step, failure));
}

function asFatal(failure: TerminalError): TerminalError {
  if (stepFailureReason(failure) === undefined) return failure;
  return new TerminalError(failure.message, {
    errorCode: failure.code,
    metadata: { ...(failure.metadata ?? {}), [ON_GIVE_UP_KEY]: 'fail' },
  });
}

/** The step's failure message without the `Step "<name>"` it starts with: the tool's name replaces it. */
function detailOf(name: string, failure: Error): string {
  const prefix = `Step "${name}" `;
  return failure.message.startsWith(prefix)
    ? failure.message.slice(prefix.length)
    : failure.message;
}
