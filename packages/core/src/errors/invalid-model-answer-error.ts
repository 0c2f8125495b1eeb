import { brand, hasBrand } from '../brand.js';

/**
 * A provider answer that cannot be used: an HTML error page with status 200, an empty `choices` array, a
 * Responses answer with an empty `output`. SDKs often turn such a body into an answer with no output,
 * which an agent loop treats as "not done yet" and asks again, turn after turn. Thrown inside the model
 * step instead, it is retried like a provider error (`classifyError`: retryable, reason
 * `'invalid-response'`), never journaled, and fails the step once the retry cap is reached.
 */
export class InvalidModelAnswerError extends Error {
  override name = 'InvalidModelAnswerError';

  /** `what` says what is wrong with the answer, e.g. `'it has no output items'`. */
  constructor(what: string) {
    super(`The model's answer is not usable: ${what}`);
    // Branded, so copies of this package recognise it (see isInstance).
    brand(this, 'InvalidModelAnswerError');
  }

  /** Whether `error` is one of these, from any copy of this package. */
  static isInstance(error: unknown): error is InvalidModelAnswerError {
    return hasBrand(error, 'InvalidModelAnswerError');
  }
}
