/**
 * LangChain and LangGraph errors that fail the same way on every retry of an invocation: replay brings back
 * the same journaled answers, so the run reaches the same limit or the same refusal again. Restate would
 * retry them until the invocation is paused; core's `rethrowIfRepeating` turns them into a
 * `RepeatingFailureError` (a `TerminalError`) naming the cause instead. Matched by name or class name, so
 * `langchain` and `@langchain/langgraph` are not imported here.
 */
import type { RepeatingErrorMatcher } from '@restate-agents/core';

/**
 * Pass to core's `rethrowIfRepeating` in the handler's catch.
 *
 * @example
 * try {
 *   return await agent.invoke({ messages });
 * } catch (error) {
 *   rethrowIfControl(error);
 *   rethrowIfRepeating(error, REPEATING_FAILURES);
 *   throw error;
 * }
 */
export const REPEATING_FAILURES: readonly RepeatingErrorMatcher[] = [
  // The agent looped past `recursionLimit`.
  'GraphRecursionError',
  // A graph misconfigured for what it runs (`interrupt()` with no checkpointer: humanInTheLoopMiddleware).
  'GraphValueError',
  // modelCallLimitMiddleware / toolCallLimitMiddleware with `exitBehavior: 'error'`.
  'ModelCallLimitMiddlewareError',
  'ToolCallLimitExceededError',
  // piiMiddleware with `strategy: 'block'`.
  'PIIDetectionError',
  // createAgent's structured output that the journaled answer does not satisfy, and a model with tools bound twice.
  'StructuredOutputParsingError',
  'MultipleStructuredOutputsError',
  'MultipleToolsBoundError',
];
