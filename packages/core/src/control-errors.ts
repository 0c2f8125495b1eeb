/**
 * Rules R4 and R5: Restate's control errors — terminal failures, cancellation, a closed invocation, a
 * suspension, a journal mismatch — must leave the agent loop unchanged, never turned into a message for the
 * model. Agent SDKs wrap and swallow errors, so they are recognised by `name`/`code` while walking every
 * wrapper (the one walk in error-graph.ts), never by `instanceof` alone: an app can load several copies of
 * the Restate SDK, and SDK wrappers hide the original.
 */
import { findInErrorGraph } from './error-graph.js';

/** The kinds of Restate control error, in the order they are looked for. */
export type ControlErrorKind =
  | 'cancelled'
  | 'timeout'
  | 'terminal'
  | 'suspended'
  | 'closed'
  | 'journal-mismatch';

/** A Restate error found somewhere inside another error. */
export interface RestateControlError extends Error {
  readonly code: number;
}

const CANCELLED_CODE = 409;
const TIMEOUT_CODE = 408;
const CLOSED_CODE = 598;
const SUSPENDED_CODE = 599;
/** 570: the code paths of a replay diverged from the journal; 571: protocol violation. */
const JOURNAL_MISMATCH_CODES: ReadonlySet<number> = new Set([570, 571]);

/** The kind of control error `error` itself is (without looking inside wrappers), or `undefined`. */
export function controlErrorKind(error: unknown): ControlErrorKind | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, code } = error as { name?: unknown; code?: unknown };
  if (typeof code !== 'number') return undefined;
  if (name === 'CancelledError' && code === CANCELLED_CODE) return 'cancelled';
  if (name === 'TimeoutError' && code === TIMEOUT_CODE) return 'timeout';
  if (name === 'TerminalError') return code === CANCELLED_CODE ? 'cancelled' : 'terminal';
  if (name === 'RestateError') {
    if (code === SUSPENDED_CODE) return 'suspended';
    if (code === CLOSED_CODE) return 'closed';
    if (JOURNAL_MISMATCH_CODES.has(code)) return 'journal-mismatch';
  }
  return undefined;
}

/**
 * Finds the Restate control error in `error` or in any error it wraps (the shared walk of
 * `walkErrorGraph`: `cause`, `error`, `errors`, `lastError`, `originalError`, `response`), outermost first.
 *
 * A plain `TerminalError` raised by user code counts: it means "stop the agent", exactly like cancellation.
 */
export function findControlError(error: unknown): RestateControlError | undefined {
  return findInErrorGraph(error, (node) => controlErrorKind(node) !== undefined) as
    | RestateControlError
    | undefined;
}

/** Whether `error` is, or wraps, a Restate control error (terminal, cancelled, closed, suspended, mismatch). */
export function isRestateControlError(error: unknown): boolean {
  return findControlError(error) !== undefined;
}

/**
 * Rethrows the Restate control error inside `error` (unwrapped, so callers and Restate see the original),
 * and returns normally otherwise. Put it first in every `catch` that could swallow one.
 */
export function rethrowIfControl(error: unknown): void {
  const control = findControlError(error);
  if (control) throw control;
}

/**
 * Holds the first control error seen where an SDK would swallow it (a tool's error handler, a step
 * callback), so it can be rethrown at the next point where the SDK lets errors escape.
 *
 * @example
 * const latch = new ControlErrorLatch();
 * const tool = { execute: (args) => latch.guard(() => doWork(args)) };
 * await sdk.run({ tools: [tool], stopWhen: () => latch.captured !== undefined });
 * latch.rethrow();
 */
export class ControlErrorLatch {
  #captured: RestateControlError | undefined;

  /** The first control error captured, if any. */
  get captured(): RestateControlError | undefined {
    return this.#captured;
  }

  /** Remembers the control error inside `error`, if there is one; returns whether there was. */
  capture(error: unknown): boolean {
    const control = findControlError(error);
    if (!control) return false;
    this.#captured ??= control;
    return true;
  }

  /** Throws the captured control error, if one was captured. */
  rethrow(): void {
    if (this.#captured) throw this.#captured;
  }

  /**
   * Runs `action`; a control error it throws is captured and rethrown, any other error passes unchanged.
   * Once an error is captured every later guarded call fails at once, so no tool of a dead invocation runs.
   */
  async guard<T>(action: () => T | Promise<T>): Promise<T> {
    this.rethrow();
    try {
      return await action();
    } catch (error) {
      this.capture(error);
      this.rethrow();
      throw error;
    }
  }
}
