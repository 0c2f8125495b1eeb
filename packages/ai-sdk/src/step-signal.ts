/**
 * The abort signal a provider call or a tool body gets inside a step: aborted when the call's own signal
 * (the SDK's `abortSignal`) or the step attempt's signal aborts, whichever first, with that signal's reason.
 *
 * Not `AbortSignal.any`: a signal it returns stays a dependant of its sources for as long as it lives, and
 * the provider's `fetch` keeps it (undici's request) until garbage collection. Restate aborts every
 * attempt's signal when the invocation ends, so each model call and tool of the invocation was aborted
 * again after it had finished: an abort event, an `AbortError` and undici's request teardown per call, on
 * top of the weak references `AbortSignal.any` sets up. Here the link is dropped as soon as the step's work
 * settles, when nothing can be cancelled any more.
 */
export async function withStepSignal<T>(
  callSignal: AbortSignal | undefined,
  attemptSignal: AbortSignal,
  run: (signal: AbortSignal) => T | PromiseLike<T>,
): Promise<T> {
  const controller = new AbortController();
  const settledFirst = callSignal?.aborted
    ? callSignal
    : attemptSignal.aborted
      ? attemptSignal
      : undefined;
  if (settledFirst) {
    controller.abort(settledFirst.reason);
    return await run(controller.signal);
  }
  const onAbort = (event: Event) => controller.abort((event.target as AbortSignal).reason);
  attemptSignal.addEventListener('abort', onAbort, { once: true });
  callSignal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await run(controller.signal);
  } finally {
    attemptSignal.removeEventListener('abort', onAbort);
    callSignal?.removeEventListener('abort', onAbort);
  }
}
