/**
 * Rules R1, R3 and R9: one model call, tool execution, hosted-tool or MCP call is one journaled step with a
 * retry cap, so a retried invocation never pays for a completed call again and a failing provider is not
 * called forever. Errors are classified inside the step (R2): terminal ones stop at the first attempt,
 * retryable ones are retried by Restate, after the provider's `retry-after` when it sent one.
 */
import {
  type Context,
  type Duration,
  RestateError,
  type RestatePromise,
  RetryableError,
  type RunOptions,
  type Serde,
  TerminalError,
} from '@restatedev/restate-sdk';
import { classifyError, type ErrorClassification, type ErrorReason } from './classify-error.js';
import { controlErrorKind, findControlError } from './control-errors.js';
import { JournalValueTooLargeError } from './errors/journal-value-too-large-error.js';
import { journalSerde } from './journal-serde.js';

/**
 * Attempts made when no retry option is given: the first plus two retries. Restate counts *invocation*
 * attempts since the last journaled entry (the start message's `retry_count_since_last_stored_entry`):
 * an attempt that crashed, was refused a connection or was aborted while this step was in flight counts
 * too, even if the step's action never ran in it. Under frequent restarts, raise `maxRetryAttempts` or set
 * `maxRetryDuration` for steps that must survive them.
 */
export const DEFAULT_MAX_ATTEMPTS = 3;

/** Values larger than this are refused before Restate sees them (its own cap is 32 MiB per message). */
export const DEFAULT_MAX_VALUE_BYTES: number = 8 * 1024 * 1024;

/** Marks terminal failures this package raised on purpose, to tell them from retries running out. */
const ORIGIN_KEY = 'restate-agents.origin';
/** The metadata key under which a step's failure reason travels in the journal. */
export const STEP_FAILURE_REASON_KEY = 'restate-agents.reason';
const REASON_KEY = STEP_FAILURE_REASON_KEY;

/** Options of {@link durableStep}: every retry knob of Restate's `RunOptions`, plus classification and size. */
export interface DurableStepOptions<T> extends Omit<RunOptions<T>, 'serde'> {
  /** How the value is journaled; default {@link journalSerde} (keeps `Date`, bytes, `URL`, `undefined`). */
  serde?: Serde<T>;
  /** Overrides {@link classifyError} for this step (e.g. to retry a provider's odd 400). */
  classify?: (error: unknown) => ErrorClassification;
  /** A value that serialises larger than this fails the step with a terminal error naming it. */
  maxValueBytes?: number;
  /**
   * The longest one attempt may run. When it passes, the attempt's abort signal (the one `action`
   * receives) is aborted, so the SDK cancels its request, and the attempt fails with a retryable error
   * that counts toward `maxRetryAttempts` / `maxRetryDuration` like any other failure: a hung provider
   * ends in a clear "gave up after N attempts; last error: attempt timed out" in bounded time.
   * Default: no limit of its own (Restate's abort timeout still applies).
   */
  attemptTimeout?: Duration | number;
}

const passThroughSerde: Serde<Uint8Array> = {
  contentType: 'application/octet-stream',
  serialize: (value) => value,
  deserialize: (data) => data,
};

/**
 * Runs `action` as one journaled step (`ctx.run`) with a retry cap (default 3 attempts) and classified
 * errors. On replay the journaled value is returned and `action` does not run. `action` receives the
 * attempt's abort signal: pass it to the SDK call so an in-flight request is cancelled when the attempt ends.
 *
 * Returns a `RestatePromise`, so several steps combine with `RestatePromise.all` (never native `Promise.all`).
 * When the attempts run out the step fails with a `TerminalError` naming the step, the attempts and the
 * last error.
 *
 * @example
 * const completion = await durableStep(ctx, 'openai:chat', (signal) =>
 *   openai.chat.completions.create({ model, messages }, { maxRetries: 0, signal }),
 * );
 */
export function durableStep<T>(
  ctx: Context,
  name: string,
  action: (attemptSignal: AbortSignal) => T | Promise<T>,
  options: DurableStepOptions<T> = {},
): RestatePromise<T> {
  return settledStep(ctx, name, action, options, passOn);
}

function passOn<T>(value: T | undefined, failure: TerminalError | undefined): T {
  if (failure) throw failure;
  return value as T;
}

/**
 * {@link durableStep} with its outcome handed to `settle` (the value, or the step's failure as
 * `durableStep` would reject with it) in the same `map`: one promise layer for the Restate SDK to poll
 * through instead of two when a caller maps the outcome again (the tool-call contract does).
 */
export function settledStep<T, R>(
  ctx: Context,
  name: string,
  action: (attemptSignal: AbortSignal) => T | Promise<T>,
  options: DurableStepOptions<T>,
  settle: (value: T | undefined, failure: TerminalError | undefined) => R,
): RestatePromise<R> {
  const {
    serde = journalSerde as Serde<T>,
    classify = classifyError,
    maxValueBytes,
    attemptTimeout,
    ...retry
  } = options;
  const limit = maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
  const attemptTimeoutMs = attemptTimeout === undefined ? undefined : durationToMs(attemptTimeout);
  if (attemptTimeoutMs !== undefined && !(attemptTimeoutMs > 0)) {
    throw new RangeError(
      `attemptTimeout must be a positive duration, got ${String(attemptTimeout)}`,
    );
  }
  const maxRetryDurationMs =
    retry.maxRetryDuration === undefined ? undefined : durationToMs(retry.maxRetryDuration);
  const runOptions: RunOptions<Uint8Array> = { ...retry, serde: passThroughSerde };
  if (retry.maxRetryAttempts === undefined && retry.maxRetryDuration === undefined) {
    runOptions.maxRetryAttempts = DEFAULT_MAX_ATTEMPTS;
  }

  // Aborted when this attempt ends (crash of the connection, suspension, abort timeout). A closure of an
  // attempt that is already over must not start its side effect: the next attempt runs the step itself.
  const attempt = ctx.request().attemptCompletedSignal;
  return ctx
    .run(
      name,
      async () => {
        if (attempt.aborted) {
          throw new RetryableError(`Step "${name}" not started: its attempt is already over`);
        }
        let value: T;
        try {
          value = await runAttempt(name, action, attempt, attemptTimeoutMs);
        } catch (error) {
          throw toStepError(name, error, classify, maxRetryDurationMs);
        }
        // Serialised here, inside the step, so an oversized value fails as a journaled terminal error
        // instead of a rejected message after the provider was paid.
        let bytes: Uint8Array;
        try {
          bytes = serde.serialize(value);
        } catch (error) {
          // The same value would fail the same way on every attempt: retrying would only repeat the
          // side effect that produced it.
          throw markOrigin(
            new TerminalError(
              `Step "${name}" produced a value that cannot be journaled: ${
                error instanceof Error ? error.message : String(error)
              }`,
              { metadata: { [REASON_KEY]: 'not-serialisable', step: name } },
            ),
          );
        }
        if (bytes.byteLength > limit) {
          throw markOrigin(new JournalValueTooLargeError(name, bytes.byteLength, limit));
        }
        return bytes;
      },
      runOptions,
    )
    .map((bytes, failure) => {
      if (failure) return settle(undefined, explainFailure(name, failure, runOptions));
      return settle(serde.deserialize(bytes as Uint8Array), undefined);
    });
}

/** Why a step failed when the step itself gave up, as opposed to a `TerminalError` its action threw. */
export type StepFailureReason =
  | ErrorReason
  | 'retries-exhausted'
  | 'retry-after-exceeds-limit'
  | 'journal-value-too-large'
  | 'not-serialisable';

/**
 * Tells a failure the step decided on (a non-retryable provider error, the attempts ran out, a value too
 * large to journal) from a `TerminalError` the action threw on purpose: the reason for the first, `undefined`
 * for the second and for any other error. Adapters use it to hand the first to the model as a tool result
 * while the second ends the agent (R4). Works on replayed failures: the reason travels in the journal.
 */
export function stepFailureReason(error: unknown): StepFailureReason | undefined {
  const metadata = (error as { metadata?: Record<string, string> } | null | undefined)?.metadata;
  const reason = metadata?.[REASON_KEY];
  return reason === undefined ? undefined : (reason as StepFailureReason);
}

/** Converts an error thrown by the step's action into what Restate should do with it. */
function toStepError(
  name: string,
  error: unknown,
  classify: (error: unknown) => ErrorClassification,
  maxRetryDurationMs: number | undefined,
): Error {
  if (error instanceof AttemptTimedOut) return error.retryable;
  if (error instanceof TerminalError) return markOrigin(error);
  if (controlErrorKind(error) === 'terminal') {
    // A TerminalError from another copy of the Restate SDK: Restate checks `instanceof` against its own
    // copy, so it is rebuilt as one, or the step would be retried.
    const foreign = error as TerminalError;
    return markOrigin(
      new TerminalError(foreign.message, {
        errorCode: foreign.code,
        ...(foreign.metadata && { metadata: foreign.metadata }),
      }),
    );
  }
  if (error instanceof RetryableError) return error;
  if (error instanceof RestateError && error.name === 'PauseError') return error;

  const verdict = classify(error);
  const message = describe(error, verdict);
  if (verdict.reason === 'restate-control') {
    // An ordinary error wrapping a TerminalError: the TerminalError decides, as if thrown itself.
    const control = findControlError(error);
    if (control && controlErrorKind(control) === 'terminal') {
      return toStepError(name, control, classify, maxRetryDurationMs);
    }
  }
  if (
    verdict.retryable &&
    verdict.retryAfterMs !== undefined &&
    maxRetryDurationMs !== undefined &&
    verdict.retryAfterMs > maxRetryDurationMs
  ) {
    // Sleeping past the user's bound would make the bound meaningless; failing now says why.
    return new TerminalError(
      `Step "${name}" will not be retried: the provider asked to wait ${formatMs(verdict.retryAfterMs)} ` +
        `(retry-after) before the next attempt, longer than maxRetryDuration ` +
        `(${formatMs(maxRetryDurationMs)}) (${message})`,
      {
        // No `errorCode: status`: a 409 would read as Restate's cancellation.
        metadata: {
          [ORIGIN_KEY]: 'step',
          [REASON_KEY]: 'retry-after-exceeds-limit',
          step: name,
          retryAfterMs: String(verdict.retryAfterMs),
          ...(verdict.status !== undefined && { status: String(verdict.status) }),
        },
      },
    );
  }
  if (!verdict.retryable) {
    return new TerminalError(`Step "${name}" failed and will not be retried (${message})`, {
      metadata: {
        [ORIGIN_KEY]: 'step',
        [REASON_KEY]: verdict.reason,
        step: name,
        ...(verdict.status !== undefined && { status: String(verdict.status) }),
      },
    });
  }
  return new RetryableError(message, {
    cause: error,
    ...(verdict.retryAfterMs !== undefined && { retryAfter: verdict.retryAfterMs }),
  });
}

function describe(error: unknown, verdict: ErrorClassification): string {
  const text = error instanceof Error ? error.message : String(error);
  const status = verdict.status !== undefined ? ` ${verdict.status}` : '';
  return `${verdict.reason}${status}: ${text}`;
}

function markOrigin(error: TerminalError): TerminalError {
  // `metadata` is readonly in the type but a plain field at run time; the marker travels in the journal.
  const metadata = { ...(error.metadata ?? {}), [ORIGIN_KEY]: 'step' };
  Object.defineProperty(error, 'metadata', {
    value: metadata,
    configurable: true,
    enumerable: true,
  });
  return error;
}

/**
 * A failed step is either a terminal error raised inside it (marked, passed on as journaled) or Restate
 * giving up after the retry policy ran out (unmarked): that one is reworded to say which step gave up.
 */
function explainFailure(
  name: string,
  failure: TerminalError,
  options: RunOptions<Uint8Array>,
): TerminalError {
  if (failure.metadata?.[ORIGIN_KEY] !== undefined) return failure;
  if (controlErrorKind(failure) !== 'terminal' || failure.code === 409) return failure;
  const limits = [
    options.maxRetryAttempts !== undefined ? `${options.maxRetryAttempts} attempts` : undefined,
    options.maxRetryDuration !== undefined ? 'the maximum retry duration' : undefined,
  ].filter(Boolean);
  return new TerminalError(
    `Step "${name}" gave up after ${limits.join(' or ')}; last error: ${failure.message}`,
    {
      errorCode: failure.code,
      metadata: { ...(failure.metadata ?? {}), [REASON_KEY]: 'retries-exhausted', step: name },
    },
  );
}

/** Thrown inside the step when an attempt ran past `attemptTimeout`; carries the error Restate should see. */
class AttemptTimedOut extends Error {
  readonly retryable: RetryableError;
  constructor(name: string, ms: number) {
    const message = `attempt-timeout: Step "${name}" attempt timed out after ${formatMs(ms)} (attemptTimeout)`;
    super(message);
    this.retryable = new RetryableError(message);
  }
}

/**
 * Runs one attempt of the action with a signal that aborts when Restate ends the attempt or, with
 * `timeoutMs`, when the attempt runs too long; a timed-out attempt rejects at once, even if the action
 * ignores the signal, so Restate can start the next attempt.
 */
async function runAttempt<T>(
  name: string,
  action: (attemptSignal: AbortSignal) => T | Promise<T>,
  attempt: AbortSignal,
  timeoutMs: number | undefined,
): Promise<T> {
  if (timeoutMs === undefined) return await action(attempt);
  const controller = new AbortController();
  const signal = AbortSignal.any([attempt, controller.signal]);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new AttemptTimedOut(name, timeoutMs);
      reject(error);
      controller.abort(new DOMException(error.message, 'TimeoutError'));
    }, timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => action(signal)), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Milliseconds of a Restate `Duration` or a number of milliseconds. */
export function durationToMs(duration: Duration | number): number {
  if (typeof duration === 'number') return duration;
  return (
    (duration.days ?? 0) * 86_400_000 +
    (duration.hours ?? 0) * 3_600_000 +
    (duration.minutes ?? 0) * 60_000 +
    (duration.seconds ?? 0) * 1000 +
    (duration.milliseconds ?? 0)
  );
}

function formatMs(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
