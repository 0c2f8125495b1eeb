/**
 * Telemetry on replay. The AI SDK's telemetry integrations (`telemetry: { integrations }`) receive lifecycle
 * events from the loop, which is handler code: every replay runs it again over the journaled answers, so an
 * integration records each step already done once more per replay (always-replay mode: once per later step).
 * Wrapped here, its event callbacks run only while the handler is live (core's `isLive`).
 */
import { isLive } from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';

/**
 * `integration` with its event callbacks (`onStart`, `onStepStart`, `onStepEnd`, `onToolExecutionEnd`,
 * `onEnd`, …: every method whose name starts with `on`) called only while the handler runs live, so each
 * step's events reach it once, not again on each replay. At least once: a crash after a step's journal
 * entry and before its event ran delivers it live on the next attempt. Its `executeLanguageModelCall` and
 * `executeTool` wrappers still run every time (they run the call). A replay that resumes mid-run delivers
 * the events of the steps after the crash without the run's `onStart`: an integration that keeps a span per
 * run must tolerate that, or keep recording on every replay and deduplicate by step.
 *
 * @example
 * generateText(withRestate(ctx, { model, prompt, telemetry: { integrations: [liveTelemetry(ctx, myIntegration)] } }));
 */
export function liveTelemetry<T extends object>(ctx: Context, integration: T): T {
  return new Proxy(integration, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (typeof property === 'string' && /^on[A-Z]/.test(property)) {
        return (...args: unknown[]) => (isLive(ctx) ? method.apply(target, args) : undefined);
      }
      return method.bind(target);
    },
  });
}
