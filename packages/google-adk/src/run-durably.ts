/**
 * The run (R4, R5): ADK turns model and tool errors into events and ends `runAsync` normally, and rewraps the
 * errors it rethrows without their cause. `runDurably` drains the run and then rethrows the Restate control
 * error latched where it was thrown (durableModel, the tool guards, RestatePlugin's approval) — the original
 * `TerminalError`, cancellation or suspension — so the invocation ends the way Restate expects. When one is
 * latched mid-run, the run is aborted at once (ADK checks its abort signal between steps), so no further
 * model or tool call starts.
 *
 * With a live stream (the one given to `withRestate`), the function responses go through the stream log as
 * tool outputs and the run's end ends the turn (live.ts); the model steps send themselves.
 */
import {
  type BaseAgent,
  type Event,
  InMemoryArtifactService,
  InMemoryMemoryService,
  isBaseAgent,
  isFinalResponse,
  isLlmAgent,
  type LlmAgent,
  type RunConfig,
  type Runner,
} from '@google/adk';
import type { Content } from '@google/genai';
import { invalidOption, type LiveStream, rethrowIfControl } from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';
import { attemptState } from './attempt-state.js';
import { durableModelLive } from './durable-model.js';
import { endTurn, madeUpTextSender, sendToolOutputs, turnEnded } from './live.js';
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
  /**
   * The live stream the agent tree's models send to (`withRestate(ctx, agent, { live })`); taken from the
   * tree when omitted. With one, the function responses go to the stream log as tool outputs and the run's
   * end ends the turn: `finish`, or an `error` frame when the run failed for good.
   */
  live?: LiveStream;
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
 * The in-memory services of ADK refused under Restate: what they hold lives in one process, so a crash, a
 * retry on another process or the next invocation loses it, and nothing of it is journaled.
 */
function refuseInMemoryServices(runner: Runner): void {
  if (runner.artifactService instanceof InMemoryArtifactService) {
    throw invalidOption(
      "runDurably: the runner's artifactService is an InMemoryArtifactService: its artifacts live in this " +
        'process, are not journaled and are lost at a crash or on the next invocation. Leave artifactService ' +
        'out, or save artifacts to external storage from a durableTool (one journaled step per save).',
    );
  }
  if (runner.memoryService instanceof InMemoryMemoryService) {
    throw invalidOption(
      "runDurably: the runner's memoryService is an InMemoryMemoryService: its memories live in this process, " +
        'are not journaled and are lost at a crash or on the next invocation. Leave memoryService out, or ' +
        'reach an external memory store from a durableTool.',
    );
  }
}

/**
 * The live stream of the run: the one every durable model of the tree sends to (an `AgentTool`'s agent is a
 * nested run and not looked at), checked against `params.live`. A tree whose models disagree would show
 * some steps and silently not others.
 */
function liveOfRun(agent: unknown, given: LiveStream | undefined): LiveStream | undefined {
  const models: { agent: string; live?: LiveStream }[] = [];
  const visit = (node: BaseAgent): void => {
    if (isLlmAgent(node)) {
      const { model } = node as LlmAgent;
      const durable = durableModelLive(model);
      if (durable.durable)
        models.push({ agent: node.name, ...(durable.live && { live: durable.live }) });
    }
    for (const child of node.subAgents) visit(child);
  };
  if (isBaseAgent(agent)) visit(agent);
  const live = given ?? models.find((model) => model.live)?.live;
  if (!live) return undefined;
  const other = models.find((model) => model.live !== live);
  if (other) {
    throw invalidOption(
      `runDurably: the model of agent "${other.agent}" ${other.live ? 'streams to another live stream' : 'does not stream live'}, ` +
        `while ${given ? 'params.live was given' : 'other models of the tree stream live'}: its answers would ` +
        'not reach the chat. Give the stream to the whole tree: withRestate(ctx, agent, { live }).',
    );
  }
  if (turnEnded(live)) {
    throw invalidOption(
      "runDurably: this live stream's turn already ended (a run ends it): one live run per invocation.",
    );
  }
  return live;
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
  const { onEvent, live: givenLive, ...runParams } = params;
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
  refuseInMemoryServices(runner);
  const live = liveOfRun(runner.agent, givenLive);
  if (!live) return run(ctx, runner, runParams, onEvent);
  let result: RunDurablyResult;
  try {
    result = await run(ctx, runner, runParams, onEvent, live);
  } catch (error) {
    await endTurn(live, { error });
    throw error;
  }
  await endTurn(live);
  return result;
}

async function run(
  ctx: Context,
  runner: Runner,
  runParams: Omit<RunDurablyParams, 'onEvent' | 'live'>,
  onEvent: RunDurablyParams['onEvent'],
  live?: LiveStream,
): Promise<RunDurablyResult> {
  const state = attemptState(ctx);
  state.latch.rethrow();
  const abort = new AbortController();
  const stop = () => abort.abort(state.latch.captured);
  state.onCapture.add(stop);
  const events: Event[] = [];
  let text = '';
  const sendMadeUp = live && madeUpTextSender(live);
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
      sendMadeUp?.(event);
      if (event.partial) continue;
      if (live) sendToolOutputs(live, event);
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
