import { brand, hasBrand } from '../brand.js';

/**
 * Thrown for the tool calls of a turn that come after one that ended the invocation with a Restate
 * control error; its `cause` is that control error, so wrappers that look for it still find it.
 */
export class TurnAbortedError extends Error {
  override name = 'TurnAbortedError';
  readonly toolCallId: string;

  constructor(toolCallId: string, cause: unknown) {
    super(
      `Tool call ${toolCallId} was not run: an earlier call of the same turn ended the invocation`,
      {
        cause,
      },
    );
    // Branded, so copies of this package recognise it (see isInstance).
    brand(this, 'TurnAbortedError');
    this.toolCallId = toolCallId;
  }

  /** Whether `error` is one of these, from any copy of this package. */
  static isInstance(error: unknown): error is TurnAbortedError {
    return hasBrand(error, 'TurnAbortedError');
  }
}
