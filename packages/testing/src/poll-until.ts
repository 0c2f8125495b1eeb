/** Options for {@link pollUntil}. */
export interface PollUntilOptions {
  /** Give up after this long; default 20 s. */
  timeoutMs?: number;
  /** Pause between probes; default 25 ms. */
  intervalMs?: number;
  /** Names what is awaited in the timeout error. */
  description: string;
  /** Extra text for the timeout error, computed only on timeout (e.g. a server log tail). */
  details?: () => string;
  /** Checked before each probe: an error returned here ends the wait at once (e.g. the server died). */
  failIf?: () => Error | undefined;
}

/**
 * Calls `probe` until it returns a value other than `undefined` and returns that value.
 *
 * Probe errors count as "not yet" (a server that is still starting refuses connections); the last
 * one is reported when the deadline passes.
 */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined>,
  options: PollUntilOptions,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const intervalMs = options.intervalMs ?? 25;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const failure = options.failIf?.();
    if (failure !== undefined) throw failure;
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const reason = lastError === undefined ? '' : ` Last error: ${String(lastError)}`;
      const details = options.details?.() ?? '';
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${options.description}.${reason}${details ? `\n${details}` : ''}`,
        { cause: lastError },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
