import { TerminalError } from '@restatedev/restate-sdk';
import { brand, hasBrand } from '../brand.js';

/**
 * A step produced a value larger than the configured cap. Terminal: the same call would produce the same
 * value again, and Restate would reject the oversized journal entry after the work was paid for.
 */
export class JournalValueTooLargeError extends TerminalError {
  // `name` stays 'TerminalError': Restate and every copy of this package recognise terminal errors by name.
  override name = 'TerminalError';
  readonly step: string;
  readonly bytes: number;
  readonly limit: number;

  constructor(step: string, bytes: number, limit: number) {
    super(
      `Step "${step}" produced ${bytes} bytes to journal, over the limit of ${limit} bytes ` +
        '(maxValueBytes). Journal less (omit raw bodies) or raise maxValueBytes; Restate rejects ' +
        'any journal entry over its message size limit (32 MiB by default).',
      { metadata: { 'restate-agents.reason': 'journal-value-too-large', step } },
    );
    // Branded, so copies of this package recognise it (see isInstance).
    brand(this, 'JournalValueTooLargeError');
    this.step = step;
    this.bytes = bytes;
    this.limit = limit;
  }

  /** Whether `error` is one of these, from any copy of this package. */
  static isInstance(error: unknown): error is JournalValueTooLargeError {
    return hasBrand(error, 'JournalValueTooLargeError');
  }
}
