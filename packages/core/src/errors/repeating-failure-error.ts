import { TerminalError } from '@restatedev/restate-sdk';
import { brand, hasBrand } from '../brand.js';

/** Options of {@link RepeatingFailureError}. */
export interface RepeatingFailureErrorOptions {
  /** The status Restate reports to the caller; default 500 (400 for invalid handler input). */
  errorCode?: number;
}

/**
 * A failure that would repeat identically on every retry (max turns exceeded, a guardrail tripwire, a
 * tool the model made up, a recursion limit, no object generated, malformed handler input). Terminal:
 * Restate would otherwise retry the invocation until its policy pauses it, replaying the same failure —
 * and re-running every tool that is not durable — each time. `failure` names the cause.
 */
export class RepeatingFailureError extends TerminalError {
  // `name` stays 'TerminalError': Restate and every copy of this package recognise terminal errors by name.
  override name = 'TerminalError';
  /** What failed: the SDK's error class name (e.g. `'MaxTurnsExceededError'`) or `'invalid-input'`. */
  readonly failure: string;

  constructor(failure: string, message: string, options: RepeatingFailureErrorOptions = {}) {
    super(
      `${failure}: ${message} (this failure would repeat identically on every retry, so the invocation ends here)`,
      {
        ...(options.errorCode !== undefined && { errorCode: options.errorCode }),
        metadata: { 'restate-agents.reason': 'repeating-failure', failure },
      },
    );
    brand(this, 'RepeatingFailureError');
    this.failure = failure;
  }

  /** Whether `error` is one of these, from any copy of this package. */
  static isInstance(error: unknown): error is RepeatingFailureError {
    return hasBrand(error, 'RepeatingFailureError');
  }
}
