/**
 * The loop hook (R1, R4, R5, R7, R8): the call options of one `agent.generate()` / `agent.stream()` made
 * durable. Mastra's own defaults would defeat the journal, so they are replaced:
 *
 * - `modelSettings.maxRetries: 0` — Mastra retries a failed model call with `p-retry` (a `TerminalError`
 *   too), while the model step has Restate's retry cap. A model timeout (`modelSettings.timeout`) races the
 *   step with a timer and is refused: bound a model call with the model's `step: { attemptTimeout }`.
 * - `toolCallConcurrency: 1` and `eagerToolExecution: false` — Mastra runs up to 10 tools at once and starts
 *   them while the model still streams; one at a time in model order journals the same order on replay.
 * - `disableBackgroundTasks: true` — a background tool would outlive the handler's journal.
 * - `runId` from the invocation (core's `idSource`), not `crypto.randomUUID()`.
 * - `requestContext` carries `ctx` to every tool, dynamic argument and sub-agent (`restateContext`).
 * - Mastra hands every error a tool throws to the model as a tool result, a Restate `TerminalError` or
 *   cancellation too. A `beforeToolCall`/`afterToolCall` hook keeps the first control error in a latch, a
 *   stop condition ends the loop after that step and `durableAgent` rethrows it. A step that gave up inside
 *   a plain tool (core's `asToolGaveUp`) is not a control error here: the model is told, as with `durableTool`.
 * - Mastra drops its default 5-step cap as soon as `stopWhen` is passed: the cap is added back.
 * - Approvals: `requireToolApproval` (Mastra's own option, `true` or a function) is decided on a Restate
 *   awakeable in this invocation instead of Mastra's suspend-and-resume through its storage.
 * - `live`: the run's live stream rides in the request context (for `restateModel`), and each model step's
 *   preview waits until `pipeMastraStream` sent the previous step's events (docs/live-streaming.md).
 */

import type { RequestContext } from '@mastra/core/request-context';
import { orderPreviewsBehindPipe } from '@restate-agents/ai-sdk';
import {
  type ApprovalOptions,
  assertConcurrency,
  asToolGaveUp,
  ControlErrorLatch,
  idSource,
  invalidOption,
  type LiveStream,
  rejectionMessage,
  requestApproval,
} from '@restate-agents/core';
import type { Context } from '@restatedev/restate-sdk';
import { checkMemoryConfig, checkProcessors } from './check-processors.js';
import { setLive, withContext } from './restate-context.js';

/** What an approver is shown for one tool call that needs a human decision. */
export interface ToolApprovalDetails {
  toolName: string;
  /** The tool's input as the model sent it (validated against the tool's schema). */
  input: unknown;
}

/** Options of {@link withRestate} and `durableAgent`. */
export interface WithRestateOptions {
  /**
   * Approvals of the calls `requireToolApproval` selects: the invocation waits on an awakeable until someone
   * resolves it with `true`/`false` or `{ approved, reason }`; the call then runs, or the model is told it
   * was rejected (`rejectionMessage`, default `The tool call "<name>" was rejected[: <reason>].`). `onRequest`
   * tells the approver the awakeable id (it runs once, as a durable step).
   */
  approval?: ApprovalOptions<ToolApprovalDetails>;
  /**
   * Live streaming (docs/live-streaming.md): the run's model steps stream their text to this stream log while
   * they run — a `restateModel` finds it in the run's request context; give a `durableModel` the same
   * `live` — and each step's preview waits until `pipeMastraStream(live, output)` sent the previous step's
   * events. Pipe the `stream()` output (or use `durableAgent`, whose `generate()` pipes it itself).
   */
  live?: LiveStream;
}

/** The hook context Mastra passes to `beforeToolCall` / `afterToolCall`. */
interface HookContext {
  toolName: string;
  input: unknown;
  context?: { requestContext?: RequestContext };
  error?: unknown;
}

/** Mastra's run-level tool hooks. */
export interface DurableToolHooks {
  beforeToolCall?: (context: never) => unknown;
  afterToolCall?: (context: never) => unknown;
}

/** A stop condition of Mastra's loop (the AI SDK's shape). */
export type StopCondition = (options: {
  steps: readonly unknown[];
}) => boolean | PromiseLike<boolean>;

/** The approval selector Mastra's `requireToolApproval` takes: `true`, or a function of the call. */
export type RequireToolApproval =
  | boolean
  | ((context: {
      toolName: string;
      args: unknown;
      requestContext?: unknown;
    }) => boolean | Promise<boolean>);

/** The call options {@link withRestate} reads and replaces; every other option passes through unchanged. */
export interface DurableCallOptions {
  requestContext?: RequestContext;
  modelSettings?: Record<string, unknown> & { maxRetries?: number; timeout?: unknown };
  toolCallConcurrency?: unknown;
  eagerToolExecution?: boolean;
  disableBackgroundTasks?: boolean;
  runId?: string;
  hooks?: DurableToolHooks;
  stopWhen?: StopCondition | StopCondition[];
  maxSteps?: number;
  requireToolApproval?: RequireToolApproval;
  abortSignal?: AbortSignal;
  scorers?: unknown;
  inputProcessors?: unknown;
  outputProcessors?: unknown;
  errorProcessors?: unknown;
  memory?: {
    thread: unknown;
    resource?: string;
    options?: { generateTitle?: unknown } & Record<string, unknown>;
  };
}

/** Mastra's step cap when a call sets neither `maxSteps` nor `stopWhen` (`model.loop.ts`). */
export const MASTRA_DEFAULT_MAX_STEPS = 5;

/** The latch a set of durable call options shares with `durableAgent`, which rethrows what it caught. */
const latches = new WeakMap<object, ControlErrorLatch>();

/** The control-error latch of call options made by {@link withRestate}. */
export function latchOf(callOptions: object): ControlErrorLatch | undefined {
  return latches.get(callOptions);
}

/** What `durableAgent` knows about the agent that `withRestate` cannot see. */
export interface AgentDefaults {
  /** The agent's own hooks: run-level hooks replace them, so the durable hooks call them. */
  hooks?: DurableToolHooks | undefined;
  /** Whether the agent's default options set `maxSteps` or `stopWhen` (then no cap is added). */
  bounded?: boolean;
}

/**
 * Makes the call options of one `agent.generate()` / `agent.stream()` durable (see the module comment).
 * The agent's model must be durable itself (`durableModel` or `restateModel`). A Restate control error a
 * tool throws ends the loop; `durableAgent` rethrows it — with `withRestate` alone, call
 * `rethrowControlError(options)` after the run.
 *
 * @example
 * const options = withRestate(ctx, { memory: { thread: ctx.key, resource: 'user' } });
 * const result = await agent.generate('Where is my order?', options);
 * rethrowControlError(options);
 */
export function withRestate<O extends DurableCallOptions>(
  ctx: Context,
  callOptions: O = {} as O,
  options: WithRestateOptions = {},
  agent: AgentDefaults = {},
): O {
  refuse(callOptions);
  const latch = new ControlErrorLatch();
  const { requireToolApproval, hooks: callHooks, ...rest } = callOptions;
  const hooks = { ...agent.hooks, ...callHooks };
  const userBefore = hooks.beforeToolCall as ((context: HookContext) => unknown) | undefined;
  const userAfter = hooks.afterToolCall as ((context: HookContext) => unknown) | undefined;

  const beforeToolCall = async (hook: HookContext) => {
    // A tool after the one that ended the run must not start (its side effect would not be journaled).
    if (latch.captured !== undefined) {
      return { proceed: false, output: 'Not run: the invocation is ending.' };
    }
    if (await needsApproval(requireToolApproval, hook)) {
      const details: ToolApprovalDetails = { toolName: hook.toolName, input: hook.input };
      const decision = await requestApproval(ctx, details, options.approval);
      if (!decision.approved) {
        return {
          proceed: false,
          output: rejectionMessage(options.approval, details, decision, hook.toolName),
        };
      }
    }
    return userBefore?.(hook);
  };
  const afterToolCall = async (hook: HookContext) => {
    if (hook.error !== undefined && asToolGaveUp(hook.error, hook.toolName) === undefined) {
      latch.capture(hook.error);
    }
    return userAfter?.(hook);
  };
  const latchCondition: StopCondition = () => latch.captured !== undefined;
  const userStop = callOptions.stopWhen;
  const stopWhen: StopCondition[] = [
    latchCondition,
    ...(userStop === undefined ? [] : Array.isArray(userStop) ? userStop : [userStop]),
  ];
  // Mastra applies its 5-step cap only when no `stopWhen` is passed; ours is always passed.
  if (userStop === undefined && callOptions.maxSteps === undefined && !agent.bounded) {
    stopWhen.push(({ steps }) => steps.length >= MASTRA_DEFAULT_MAX_STEPS);
  }
  const requestContext = withContext(ctx, callOptions.requestContext);
  // A sub-agent's run (withRestate without `live`) must not stream into its parent's turn.
  setLive(requestContext, options.live);
  if (options.live) orderPreviewsBehindPipe(options.live);
  const durable = {
    ...rest,
    requestContext,
    modelSettings: { ...callOptions.modelSettings, maxRetries: 0 },
    toolCallConcurrency: 1,
    eagerToolExecution: false,
    disableBackgroundTasks: true,
    runId: callOptions.runId ?? idSource(ctx).uuid('mastra:run'),
    hooks: { beforeToolCall, afterToolCall },
    stopWhen,
    ...(callOptions.memory && { memory: withoutTitleGeneration(callOptions.memory) }),
  } as unknown as O;
  latches.set(durable, latch);
  return durable;
}

/** Throws the Restate control error a tool of a run with these options threw (terminal, cancelled), if any. */
export function rethrowControlError(callOptions: object): void {
  latchOf(callOptions)?.rethrow();
}

function refuse(callOptions: DurableCallOptions): void {
  const settings = callOptions.modelSettings;
  if (settings?.timeout !== undefined) {
    throw invalidOption(
      'withRestate: modelSettings.timeout aborts a model call whose step Restate is still running; remove it ' +
        'and bound each model call with durableModel(ctx, model, { step: { attemptTimeout, maxRetryDuration } }).',
    );
  }
  if (settings?.maxRetries !== undefined && settings.maxRetries !== 0) {
    throw invalidOption(
      `withRestate: modelSettings.maxRetries ${String(settings.maxRetries)} would retry a model call inside its ` +
        'journaled step; leave it out and set the retry cap with durableModel(ctx, model, { step: { maxRetryAttempts } }).',
    );
  }
  if (callOptions.toolCallConcurrency !== undefined) {
    const limit =
      typeof callOptions.toolCallConcurrency === 'object' &&
      callOptions.toolCallConcurrency !== null
        ? (callOptions.toolCallConcurrency as { limit?: unknown }).limit
        : callOptions.toolCallConcurrency;
    let concurrency: number;
    try {
      concurrency = assertConcurrency(limit, 'toolCallConcurrency');
    } catch (error) {
      throw invalidOption(`withRestate: ${(error as Error).message}`);
    }
    if (concurrency !== 1) {
      throw invalidOption(
        `withRestate: toolCallConcurrency ${String(limit)} would run tools at once and journal their steps in ` +
          'a different order on replay; durable Mastra runs take 1.',
      );
    }
  }
  if (callOptions.eagerToolExecution === true) {
    throw invalidOption(
      'withRestate: eagerToolExecution starts tools while the model step is still streaming, before its answer ' +
        'is journaled; leave it out.',
    );
  }
  if (callOptions.disableBackgroundTasks === false) {
    throw invalidOption(
      'withRestate: background tasks run tools after the handler returned, outside the journal; leave ' +
        'disableBackgroundTasks out.',
    );
  }
  if ('durable' in callOptions) {
    throw invalidOption(
      "withRestate: `durable` is Mastra's own durable loop (timers, pub/sub); Restate makes the regular loop durable, leave it out.",
    );
  }
  if (
    callOptions.scorers !== undefined &&
    (typeof callOptions.scorers !== 'object' ||
      callOptions.scorers === null ||
      Object.keys(callOptions.scorers).length > 0)
  ) {
    throw invalidOption(
      'withRestate: scorers are started after the run without being awaited: their judge-model calls would run ' +
        "outside the journal, again on every replay. Leave the call option out and score recorded runs offline (Mastra's runEvals).",
    );
  }
  checkProcessors('withRestate: the call', callOptions.inputProcessors);
  checkProcessors('withRestate: the call', callOptions.outputProcessors);
  checkProcessors('withRestate: the call', callOptions.errorProcessors);
  checkMemoryConfig('withRestate: the call', callOptions.memory?.options);
  if (callOptions.memory?.options?.generateTitle) {
    throw invalidOption(
      'withRestate: memory.options.generateTitle makes a model call that nobody awaits, outside the journal; ' +
        'leave it out (it is turned off) and set the thread title in a durable step of your own.',
    );
  }
}

function withoutTitleGeneration(
  memory: NonNullable<DurableCallOptions['memory']>,
): NonNullable<DurableCallOptions['memory']> {
  return { ...memory, options: { ...memory.options, generateTitle: false } };
}

async function needsApproval(
  requireToolApproval: RequireToolApproval | undefined,
  hook: HookContext,
): Promise<boolean> {
  if (typeof requireToolApproval === 'function') {
    return Boolean(
      await requireToolApproval({
        toolName: hook.toolName,
        args: hook.input,
        requestContext: hook.context?.requestContext,
      }),
    );
  }
  return requireToolApproval === true;
}
