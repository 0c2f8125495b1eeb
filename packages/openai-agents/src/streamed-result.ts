/**
 * Rules R4 and R5 for streaming runs: a streamed run reports its failure through `completed`, the event
 * stream and the text stream, all as the SDK's wrapper (`ToolCallError`). These are replaced on the result
 * object so each of them fails with the Restate control error itself, which Restate must see, and a failure
 * that would repeat on every retry (max turns, a guardrail tripwire) as core's `RepeatingFailureError`.
 */
import type { StreamedRunResult } from '@openai/agents-core';
import { asRepeatingFailure, findControlError } from '@restate-agents/core';
import { REPEATING_FAILURES } from './repeating-failures.js';

const unwrap = (error: unknown): unknown =>
  findControlError(error) ?? asRepeatingFailure(error, REPEATING_FAILURES) ?? error;

function unwrapStream<T>(source: ReadableStream<T>): ReadableStream<T> {
  const reader = source.getReader();
  return new ReadableStream<T>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        controller.error(unwrap(error));
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/** The same result object, whose failure paths surface control errors unwrapped. @internal */
// biome-ignore lint/suspicious/noExplicitAny: any streamed result, whatever its context and agent.
export function controlAwareStream<R extends StreamedRunResult<any, any>>(result: R): R {
  const completed = result.completed;
  // The SDK types its streams with its own web-streams shim interface; at run time they are Node's.
  const toStream = result.toStream.bind(result) as unknown as () => ReadableStream;
  const toTextStream = result.toTextStream.bind(result) as unknown as (
    options?: object,
  ) => ReadableStream;
  Object.defineProperties(result, {
    completed: {
      configurable: true,
      get: () =>
        completed.catch((error: unknown) => {
          throw unwrap(error);
        }),
    },
    toStream: { configurable: true, value: () => unwrapStream(toStream()) },
    toTextStream: {
      configurable: true,
      value: (options?: object) => unwrapStream(toTextStream(options)),
    },
    [Symbol.asyncIterator]: {
      configurable: true,
      value: () => unwrapStream(toStream())[Symbol.asyncIterator](),
    },
  });
  return result;
}
