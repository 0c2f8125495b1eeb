/**
 * Rule R8 for tracing: trace and span ids the SDK generates are the same on every replay of an invocation.
 * The SDK's id generator is global, so it is routed through an `AsyncLocalStorage` to the invocation that is
 * running; ids come from core's replay-stable id source (seeded by the invocation id, not `ctx.rand`, so
 * turning tracing on does not shift the random values the user's own code draws). The source belongs to
 * the invocation, not to one run: a second run in the same handler and a nested agent-as-tool run continue
 * its sequence, so their ids never repeat the first run's.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { setTracingIdGenerator, type TracingProcessor } from '@openai/agents-core';
import { idSource, isLive } from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';

const current = new AsyncLocalStorage<Context>();
let installed = false;

/** `length` hex digits: replay-stable inside a scope, random outside (the SDK's own behaviour). */
function hex(scope: string, length: number): string {
  const ctx = current.getStore();
  if (!ctx) return randomBytes(length / 2).toString('hex');
  return idSource(ctx).uuid(`openai-agents:${scope}`).replaceAll('-', '').slice(0, length);
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
      generateTraceId: () => `trace_${hex('trace', 32)}`,
      generateSpanId: () => `span_${hex('span', 24)}`,
    });
  }
  return current.run(ctx, action);
}

/**
 * A trace processor (an exporter's `BatchTraceProcessor`, your own) that hears traces and spans only while
 * the invocation running them is live. Every replay runs the agent loop again and ends its spans again (with
 * the same replay-stable ids); wrapped, each span reaches the processor once — at least once: a crash after a
 * step and before its span ended delivers it on the next attempt. Spans outside a `DurableRunner` pass
 * through. Register it as usual: `setTraceProcessors([liveTraceProcessor(processor)])`.
 */
export function liveTraceProcessor(processor: TracingProcessor): TracingProcessor {
  const live = () => {
    const ctx = current.getStore();
    return ctx === undefined || isLive(ctx);
  };
  const forward =
    <T>(event: (item: T) => Promise<void>) =>
    async (item: T): Promise<void> => {
      if (live()) await event.call(processor, item);
    };
  return {
    ...(processor.start && { start: () => processor.start?.() }),
    onTraceStart: forward(processor.onTraceStart),
    onTraceEnd: forward(processor.onTraceEnd),
    onSpanStart: forward(processor.onSpanStart),
    onSpanEnd: forward(processor.onSpanEnd),
    shutdown: (timeout) => processor.shutdown(timeout),
    forceFlush: () => processor.forceFlush(),
  };
}
