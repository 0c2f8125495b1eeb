/** The one check of every `concurrency`-like option: a whole number of at least 1. */

/**
 * Returns `value` (or `fallback` when it is `undefined`) if it is a whole number of at least 1, and throws a
 * `RangeError` naming the option and the value otherwise.
 *
 * @example
 * const concurrency = assertConcurrency(options.toolConcurrency, 'toolConcurrency');
 */
export function assertConcurrency(value: unknown, optionName: string, fallback = 1): number {
  const chosen = value === undefined ? fallback : value;
  if (typeof chosen !== 'number' || !Number.isInteger(chosen) || chosen < 1) {
    throw new RangeError(
      `${optionName} must be a whole number of at least 1, got ${describe(chosen)}`,
    );
  }
  return chosen;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  return String(value);
}
