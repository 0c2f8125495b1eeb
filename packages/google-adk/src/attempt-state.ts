/**
 * What the adapter's pieces (durable model, tool guards, plugin, session service, `runDurably`) share within
 * one invocation attempt: the control-error latch and the journaled clock. Keyed by the attempt's request
 * object (`ctx.request()`, as core's `idSource` is), so every wrapper of the same context shares it and a
 * new attempt starts clean.
 */
import { ControlErrorLatch } from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';
import { STEP_NAMES } from './step-names.js';

/** The shared state of one invocation attempt. */
export interface AttemptState {
  /**
   * The first Restate control error (terminal error, cancellation, suspension…) seen where ADK would turn it
   * into an event or a tool result: ADK rewraps errors without `cause`, so it is caught where it is thrown.
   */
  readonly latch: ControlErrorLatch;
  /** Called when the latch captures: `runDurably` aborts ADK's run so no further model or tool call starts. */
  readonly onCapture: Set<() => void>;
  /** The latest journaled time (ms): the clock entry or the last model step's. */
  time: number | undefined;
}

const states = new WeakMap<object, AttemptState>();

/** The state of `ctx`'s current attempt. */
export function attemptState(ctx: Context): AttemptState {
  const key = ctx.request();
  let state = states.get(key);
  if (!state) {
    state = { latch: new ControlErrorLatch(), onCapture: new Set(), time: undefined };
    states.set(key, state);
  }
  return state;
}

/** Captures the control error in `error`, if any, and tells the listeners; returns whether it was one. */
export function capture(ctx: Context, error: unknown): boolean {
  const state = attemptState(ctx);
  const first = state.latch.captured === undefined;
  if (!state.latch.capture(error)) return false;
  if (first) for (const listener of state.onCapture) listener();
  return true;
}

/**
 * A replay-stable "now" for event timestamps: the time journaled by the last model step, or (before the
 * first one) one `ctx.date.now()` entry per attempt. Never `Date.now()`, which differs on replay (R8).
 */
export async function journaledTime(ctx: Context): Promise<number> {
  const state = attemptState(ctx);
  if (state.time === undefined) {
    const now = await ctx.run(STEP_NAMES.clock, () => Date.now());
    state.time ??= now;
  }
  return state.time;
}

/** Records the time journaled by a model step. */
export function advanceTime(ctx: Context, time: number): void {
  const state = attemptState(ctx);
  state.time = Math.max(state.time ?? 0, time);
}
