/**
 * Options the adapter cannot honour are refused by name. Inside a handler a plain `TypeError` would make
 * Restate retry the invocation, failing the same way on every attempt; core's `RepeatingFailureError` (a
 * `TerminalError`) ends it at once with the message.
 */
import { RepeatingFailureError } from '@restate-agents/core';

/** The error for an option (or argument) of this adapter that cannot be used as given. */
export function invalidOption(message: string): RepeatingFailureError {
  return new RepeatingFailureError('invalid-option', message, { errorCode: 400 });
}
