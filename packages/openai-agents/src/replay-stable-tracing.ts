/**
 * Rule R8 for tracing: trace and span ids the SDK generates are the same on every replay of an invocation.
 * The SDK's id generator is global, so it is routed through an `AsyncLocalStorage` to the invocation that is
 * running; ids are derived from the invocation id and a counter, not from `ctx.rand`, so turning tracing on
 * does not shift the random values the user's own code draws.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomUUID } from 'node:crypto';
import { setTracingIdGenerator } from '@openai/agents-core';

const current = new AsyncLocalStorage<() => string>();
let installed = false;

function hex(length: number): string {
  const next = current.getStore();
  const seed = next ? next() : randomUUID();
  return createHash('sha256').update(seed).digest('hex').slice(0, length);
}

/**
 * Runs `action` with replay-stable trace and span ids derived from `invocationId`. Outside such a scope
 * (another runner in the same process) ids stay random, as the SDK's defaults are.
 * @internal
 */
export function withReplayStableTracing<T>(invocationId: string, action: () => T): T {
  if (!installed) {
    installed = true;
    // Formats match the SDK's own: `trace_<32 hex>`, `span_<24 hex>`.
    setTracingIdGenerator({
      generateTraceId: () => `trace_${hex(32)}`,
      generateSpanId: () => `span_${hex(24)}`,
    });
  }
  let counter = 0;
  return current.run(() => `${invocationId}:${counter++}`, action);
}
