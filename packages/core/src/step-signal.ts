/**
 * The abort signal a provider call or a tool body gets inside a durable step: aborted, with the source's
 * reason, when the call's own signal (the SDK's `abortSignal`) or the step attempt's signal aborts while the
 * work runs — so a request of an attempt Restate has given up on is cancelled instead of being paid for
 * beside the retry — and cut loose from both once the work has settled.
 *
 * Not `AbortSignal.any([own, attempt])`: a signal it returns stays a dependant of its sources for as long
 * as it lives, and a provider's `fetch` (undici's request, the `openai` client's composed signal) keeps
 * listening to it after the answer has been read. Restate aborts every attempt's signal when the invocation
 * ends, so each finished model call and tool of the invocation was aborted again then: an abort event, an
 * `AbortError` and undici's request teardown per call (~1 % of the service's CPU profile of a three-call
 * agent in the load bench), on top of the weak references `AbortSignal.any` keeps.
 *
 * @example
 * durableStep(ctx, 'model', (attempt) =>
 *   withStepSignal(options.abortSignal, attempt, (signal) => model.doGenerate({ ...options, abortSignal: signal })));
 */
export async function withStepSignal<T>(
  own: AbortSignal | undefined,
  attempt: AbortSignal,
  run: (signal: AbortSignal) => T | PromiseLike<T>,
): Promise<T> {
  const controller = new AbortController();
  const aborted = own?.aborted ? own : attempt.aborted ? attempt : undefined;
  if (aborted) {
    controller.abort(aborted.reason);
    return await run(controller.signal);
  }
  const running = runningWork(attempt);
  running.add(controller);
  const onAbort = own && ((): void => controller.abort(own.reason));
  if (own && onAbort) own.addEventListener('abort', onAbort, { once: true });
  try {
    return await run(controller.signal);
  } finally {
    running.delete(controller);
    if (own && onAbort) own.removeEventListener('abort', onAbort);
  }
}

/** Per attempt signal: the controllers of its work still running. */
const runningByAttempt = new WeakMap<AbortSignal, Set<AbortController>>();

/**
 * The running work of `attempt`, which one listener aborts if the attempt ends: cheaper than adding and
 * removing a listener on the attempt's signal per call.
 */
function runningWork(attempt: AbortSignal): Set<AbortController> {
  let running = runningByAttempt.get(attempt);
  if (!running) {
    const set = new Set<AbortController>();
    attempt.addEventListener(
      'abort',
      () => {
        for (const controller of set) controller.abort(attempt.reason);
        set.clear();
      },
      { once: true },
    );
    runningByAttempt.set(attempt, set);
    running = set;
  }
  return running;
}
