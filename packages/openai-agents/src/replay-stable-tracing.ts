/**
 * Rule R8 for tracing: trace and span ids the SDK generates are the same on every replay of an invocation.
 * The SDK's id generator is global, so it is routed through an `AsyncLocalStorage` to the invocation that is
 * running; ids are derived from the invocation id and a counter, not from `ctx.rand`, so turning tracing on
 * does not shift the random values the user's own code draws. The counter belongs to the invocation, not to
 * one run: a second run in the same handler and a nested agent-as-tool run continue it, so their ids never
 * repeat the first run's.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomUUID } from 'node:crypto';
import { setTracingIdGenerator } from '@openai/agents-core';
import type { Context } from '@restatedev/restate-sdk';

const current = new AsyncLocalStorage<() => string>();
const seeds = new WeakMap<Context, () => string>();
let installed = false;

function hex(length: number): string {
  const next = current.getStore();
  const seed = next ? next() : randomUUID();
  return createHash('sha256').update(seed).digest('hex').slice(0, length);
}

/**
 * Runs `action` with replay-stable trace and span ids derived from the invocation of `ctx`. Outside such a
 * scope (another runner in the same process) ids stay random, as the SDK's defaults are.
 * @internal
 */
export function withReplayStableTracing<T>(ctx: Context, action: () => T): T {
  if (!installed) {
    installed = true;
    // Formats match the SDK's own: `trace_<32 hex>`, `span_<24 hex>`.
    setTracingIdGenerator({
      generateTraceId: () => `trace_${hex(32)}`,
      generateSpanId: () => `span_${hex(24)}`,
    });
  }
  let seed = seeds.get(ctx);
  if (!seed) {
    const invocationId = ctx.request().id;
    let counter = 0;
    seed = () => `${invocationId}:${counter++}`;
    seeds.set(ctx, seed);
  }
  return current.run(seed, action);
}
