/**
 * Rules R4 and R5: Restate's control errors — terminal failures, cancellation, a closed invocation, a
 * suspension, a journal mismatch — must leave the agent loop unchanged, never turned into a message for the
 * model. Agent SDKs wrap and swallow errors, so they are recognised by `name`/`code` while walking every
 * wrapper (`cause`, `error`, `errors`, `lastError`), never by `instanceof` alone: an app can load several
 * copies of the Restate SDK, and SDK wrappers hide the original.
 */

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

/** How deep wrapper chains are followed; real chains are a handful deep, cycles are cut by a visited set. */
const MAX_DEPTH = 16;

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

/** The errors an SDK wrapper keeps inside itself, under the property names SDKs actually use. */
function innerErrors(error: object): unknown[] {
  const record = error as Record<string, unknown>;
  const inner: unknown[] = [];
  // `cause`: standard; `error`: OpenAI Agents `ToolCallError`; `lastError`/`errors`: AI SDK `RetryError`,
  // `AggregateError`; `originalError`: some HTTP clients.
  for (const key of ['cause', 'error', 'lastError', 'originalError']) {
    if (record[key] !== undefined) inner.push(record[key]);
  }
  if (Array.isArray(record.errors)) inner.push(...record.errors);
  return inner;
}

/**
 * Finds the Restate control error in `error` or in any error it wraps, depth first, outermost first.
 *
 * A plain `TerminalError` raised by user code counts: it means "stop the agent", exactly like cancellation.
 */
export function findControlError(error: unknown): RestateControlError | undefined {
  const visited = new Set<unknown>();
  const visit = (candidate: unknown, depth: number): RestateControlError | undefined => {
    if (typeof candidate !== 'object' || candidate === null || visited.has(candidate))
      return undefined;
    if (depth > MAX_DEPTH) return undefined;
    visited.add(candidate);
    if (controlErrorKind(candidate) !== undefined) return candidate as RestateControlError;
    for (const inner of innerErrors(candidate)) {
      const found = visit(inner, depth + 1);
      if (found) return found;
    }
    return undefined;
  };
  return visit(error, 0);
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
