/**
 * The run (R4, R5): ADK turns model and tool errors into events and ends `runAsync` normally, and rewraps the
 * errors it rethrows without their cause. `runDurably` drains the run and then rethrows the Restate control
 * error latched where it was thrown (durableModel, the tool guards, RestatePlugin's approval) — the original
 * `TerminalError`, cancellation or suspension — so the invocation ends the way Restate expects. When one is
 * latched mid-run, the run is aborted at once (ADK checks its abort signal between steps), so no further
 * model or tool call starts.
 */
import { type Event, isBaseAgent, isFinalResponse, type RunConfig, type Runner } from '@google/adk';
import type { Content } from '@google/genai';
import { invalidOption, rethrowIfControl } from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';
import { attemptState } from './attempt-state.js';
import { pluginContext } from './restate-context.js';
import { isWithRestate } from './with-restate.js';

/** The parameters of {@link runDurably}: those of `Runner.runAsync`. */
export interface RunDurablyParams {
  userId: string;
  sessionId: string;
  newMessage: Content;
  stateDelta?: Record<string, unknown>;
  runConfig?: RunConfig;
  abortSignal?: AbortSignal;
  customMetadata?: Record<string, unknown>;
  /** Called with each event as the run yields it (partial events of an SSE run included). */
  onEvent?: (event: Event) => void | Promise<void>;
}

/** What {@link runDurably} returns. */
export interface RunDurablyResult {
  /** Every event of the run, in order (partial events excluded). */
  events: Event[];
  /** The text of the last final response of an agent (ADK's `isFinalResponse`), or `''`. */
  text: string;
}

function textOf(event: Event): string {
  return (event.content?.parts ?? [])
    .flatMap((part) => (typeof part.text === 'string' && part.thought !== true ? [part.text] : []))
    .join('');
}

function contextOf(runner: Runner): Context {
  const ctx = pluginContext(runner.pluginManager);
  if (!ctx) {
    throw invalidOption(
      'runDurably(runner, params) needs a runner with the Restate plugin: ' +
        'new Runner({ …, plugins: [new RestatePlugin(ctx)] }).',
    );
  }
  return ctx;
}

/**
 * Runs an ADK `Runner` to the end inside a Restate handler and returns its events and final text; creates
 * the session first when it does not exist. Rethrows the Restate control error that ended the run.
 *
 * @example
 * const { text } = await runDurably(runner, {
 *   userId: 'user', sessionId: ctx.key, newMessage: { role: 'user', parts: [{ text: prompt }] },
 * });
 */
export async function runDurably(
  runner: Runner,
  params: RunDurablyParams,
): Promise<RunDurablyResult> {
  const ctx = contextOf(runner);
  const { onEvent, ...runParams } = params;
  if (runParams.runConfig?.streamingMode === 'bidi') {
    throw invalidOption(
      'runDurably: streamingMode "bidi" (live) cannot be journaled; use "sse" or none.',
    );
  }
  if (isBaseAgent(runner.agent) && !isWithRestate(runner.agent)) {
    // Without it the model calls are not journaled and the tools' Restate errors reach the model.
    throw invalidOption(
      `runDurably: the runner's agent "${runner.agent.name}" was not made durable; build the runner with ` +
        'agent: withRestate(ctx, agent).',
    );
  }
  const state = attemptState(ctx);
  state.latch.rethrow();
  const abort = new AbortController();
  const stop = () => abort.abort(state.latch.captured);
  state.onCapture.add(stop);
  const events: Event[] = [];
  let text = '';
  try {
    await runner.sessionService.getOrCreateSession({
      appName: runner.appName,
      userId: runParams.userId,
      sessionId: runParams.sessionId,
    });
    const signal = runParams.abortSignal
      ? AbortSignal.any([runParams.abortSignal, abort.signal])
      : abort.signal;
    for await (const event of runner.runAsync({ ...runParams, abortSignal: signal })) {
      state.latch.rethrow();
      await onEvent?.(event);
      if (event.partial) continue;
      events.push(event);
      if (event.author !== 'user' && event.content && isFinalResponse(event)) {
        text = textOf(event);
      }
    }
  } catch (error) {
    state.latch.rethrow();
    rethrowIfControl(error);
    throw error;
  } finally {
    state.onCapture.delete(stop);
  }
  state.latch.rethrow();
  return { events, text };
}
