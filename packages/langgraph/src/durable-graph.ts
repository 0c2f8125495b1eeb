/**
 * Runs a compiled LangGraph graph inside a Restate handler so that a replay takes the same path:
 * the tasks of a superstep create their durable operations in a fixed order (R7), message ids are
 * derived from the invocation's seeded random source (R8), node retry policies never retry Restate's
 * control errors (R4, R5), checkpoints go to Virtual Object state through a journaled copy (R10), and
 * `interrupt()` can pause on an awakeable inside the invocation.
 */

import type { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import type { CallbackManager } from '@langchain/core/callbacks/manager';
import {
  type AIMessage,
  isAIMessage,
  isBaseMessage,
  type ToolMessage,
} from '@langchain/core/messages';
import type { Runnable, RunnableConfig } from '@langchain/core/runnables';
import {
  type BaseCheckpointSaver,
  type BaseStore,
  Command,
  type GetStateOptions,
  isCommand,
  isGraphInterrupt,
  MemorySaver,
  type Pregel,
  type RetryPolicy,
  type StateSnapshot,
} from '@langchain/langgraph';
import type { CheckpointListOptions } from '@langchain/langgraph-checkpoint';
import {
  asRepeatingFailure,
  assertConcurrency,
  ControlErrorLatch,
  controlErrorKind,
  durableStep,
  endLiveTurn,
  findControlError,
  type IdSource,
  idSource,
  isDurable,
  isRestateControlError,
  type LiveChunks,
  type LiveStream,
  liveChunks,
  markDurable,
  OrderedGate,
  RepeatingFailureError,
  stepBatch,
  Turnstile,
} from '@restate-agents/core';
import { type Context, type ObjectContext, RestatePromise } from '@restatedev/restate-sdk';
import { type LiveGraphEvents, liveGraphEvents } from './live-graph-events.js';
import { toolResultChunks } from './live-graph-wire.js';
import { RestateCheckpointSaver } from './restate-checkpoint-saver.js';
import type { RestateStore } from './restate-store.js';
import { STEP_NAMES } from './step-names.js';
import { TASK_MEMO_KEY, TaskMemo } from './task-memo.js';
import { compareKeys, type TaskOrderKey } from './task-order.js';

// biome-ignore lint/suspicious/noExplicitAny: a graph of any state shape is accepted.
type AnyGraph = Pregel<any, any, any, any, any, any, any, any, any, any>;

/** One `interrupt()` waiting for a human, as passed to {@link DurableGraphOptions.onInterrupt}. */
export interface GraphInterruptRequest {
  /** Resolve this awakeable with the resume value (`ctx.resolveAwakeable(id, value)`, or over HTTP). */
  awakeableId: string;
  /** The value the node passed to `interrupt(value)`. */
  value: unknown;
  /** LangGraph's interrupt id (for display; it changes between attempts of the invocation). */
  interruptId: string | undefined;
}

/** Options of {@link durableGraph}. */
export interface DurableGraphOptions {
  /**
   * Where checkpoints go; default a {@link RestateCheckpointSaver} on this object's state (the thread id
   * defaults to the object key). `false` runs the graph without persistence, for a plain Restate service:
   * the thread lives only as long as the invocation (its id is the invocation id), so `interrupt()` needs
   * `onInterrupt` and no later invocation can resume it.
   */
  checkpointer?: RestateCheckpointSaver | false;
  /**
   * How many tasks of one superstep run at once (default 1: one after the other, by node name and task
   * path). Above 1 a node must start all its durable operations before it awaits one of them (one
   * `durableChatModel` call, one durable tool): only then is their journal order fixed.
   */
  concurrency?: number;
  /**
   * When set, `interrupt()` pauses inside the invocation: each pending interrupt gets an awakeable, this
   * callback runs once per interrupt as a journaled step (send the id to a human), and the graph resumes
   * with the awakeable's value. Without it the run ends at the interrupt; resume it in a later invocation
   * with `new Command({ resume })` on the same thread.
   */
  onInterrupt?: (request: GraphInterruptRequest) => void | Promise<void>;
  /**
   * The graph's long-term memory, reached by nodes as `config.store`; a {@link RestateStore} keeps it in
   * this object's state. Default: the store the graph was compiled with.
   */
  store?: BaseStore;
  /**
   * Live streaming (docs/live-streaming.md): the turn on this stream log ends when the run does (`invoke`
   * returned, `stream` read to its end or stopped): `finish`, or an `error` frame when the run failed for
   * good (a terminal error); a suspension or a retried failure leaves the turn open for the next attempt.
   * The text itself comes from the graph's models: pass the same stream to `durableChatModel(ctx, model,
   * { live })`. The prebuilt `ToolNode`'s calls and results are sent after the step that asked for them.
   * Beside them go LangGraph's model metadata, journaled answers and node updates, as transient
   * `data-langgraph-*` chunks, which `graphStreamEvents` turns into LangGraph's `messages` and `updates`
   * tuples. One `invoke`/`stream` per turn: the first run that ends, ends the turn. Needs `concurrency` 1.
   */
  live?: LiveStream;
}

/**
 * A graph run by {@link durableGraph}: LangGraph's `invoke`, `stream` and thread-state methods, durable.
 * Every `config` is optional; `config.configurable.thread_id` defaults to the object key.
 */
export interface DurableGraph<G extends AnyGraph> {
  /** `graph.invoke(input, config)`; checkpoints are committed when the run ends, also when it throws. */
  invoke(
    input: Parameters<G['invoke']>[0],
    config?: Parameters<G['invoke']>[1],
  ): ReturnType<G['invoke']>;
  /**
   * `graph.stream(input, config)`, chunk by chunk; checkpoints are committed when the stream ends, also
   * when the caller stops reading early or the run throws.
   */
  stream(
    input: Parameters<G['stream']>[0],
    config?: Parameters<G['stream']>[1],
  ): AsyncGenerator<unknown>;
  /** `graph.getState(config)`: the thread's latest state (or the checkpoint `config` names). */
  getState(config?: RunnableConfig, options?: GetStateOptions): Promise<StateSnapshot>;
  /** `graph.getStateHistory(config)`: the thread's checkpoints, newest first (time travel). */
  getStateHistory(
    config?: RunnableConfig,
    options?: CheckpointListOptions,
  ): AsyncIterableIterator<StateSnapshot>;
  /**
   * `graph.updateState(config, values, asNode)`, committed as one journaled step. Returns the config of
   * the new checkpoint, as journaled (so a replay returns the same id).
   */
  updateState(
    config: RunnableConfig | undefined,
    values: Record<string, unknown> | unknown,
    asNode?: string,
  ): Promise<RunnableConfig>;
  /** The saver holding this graph's checkpoints; `undefined` with `checkpointer: false`. */
  readonly checkpointer: RestateCheckpointSaver | undefined;
}

/**
 * Makes a compiled LangGraph graph durable for one Restate handler invocation. The graph itself is not
 * changed; nodes that call models or tools should make those calls durable themselves (for example with
 * `durableChatModel` and `durableTool` from `@restate-agents/langchain`).
 *
 * Needs a Virtual Object (or workflow) handler: the thread's checkpoints live in the object's state under
 * its key. In a plain service pass `{ checkpointer: false }` for a thread scoped to the invocation.
 *
 * @example
 * const agent = restate.object({
 *   name: 'Agent',
 *   handlers: {
 *     async run(ctx: restate.ObjectContext, prompt: string) {
 *       const graph = durableGraph(ctx, buildGraph(ctx));
 *       const state = await graph.invoke({ messages: [new HumanMessage(prompt)] });
 *       return state.messages.at(-1)?.text;
 *     },
 *   },
 * });
 */
export function durableGraph<G extends AnyGraph>(
  ctx: ObjectContext | Context,
  graph: G | DurableGraph<G>,
  options: DurableGraphOptions = {},
): DurableGraph<G> {
  // Already durable: wrapping it again would hold and commit its checkpoints twice.
  if (isDurable(graph, DURABLE_KIND)) return graph as DurableGraph<G>;
  return markDurable(makeDurable(ctx, graph as G, options), DURABLE_KIND);
}

/** The brand core's `markDurable` puts on a {@link DurableGraph}. */
const DURABLE_KIND = 'langgraph-graph';

/**
 * LangGraph errors that every retry of the invocation would meet again (the same graph, input and
 * checkpoints): they end it with core's `RepeatingFailureError` instead of ~70 retries and a pause.
 */
const REPEATING_GRAPH_ERRORS = [
  'GraphRecursionError',
  'InvalidUpdateError',
  'EmptyInputError',
  'StateGraphInputError',
  'UnreachableNodeError',
] as const;

function makeDurable<G extends AnyGraph>(
  ctx: ObjectContext | Context,
  graph: G,
  options: DurableGraphOptions,
): DurableGraph<G> {
  const concurrency = assertConcurrency(options.concurrency, 'durableGraph concurrency');
  if (options.live && concurrency > 1) {
    // Tasks side by side would send their model previews and node events in completion order, which a
    // replay does not reproduce: the log keeps events by their number in handler order.
    throw new RepeatingFailureError(
      'unsupported',
      `durableGraph cannot stream live with concurrency ${concurrency}: the tasks of a superstep would ` +
        'send their events to the stream log in a different order on a replay. Use concurrency 1 (the ' +
        'default) with live.',
    );
  }
  // Without persistence the key only names a thread that lasts as long as the invocation: the request's
  // target has it, without the error `ctx.key` builds (stack and all) in a plain service on every call.
  const key = options.checkpointer === false ? ctx.request().target?.key : objectKey(ctx);
  if (key === undefined && options.checkpointer !== false) {
    throw new TypeError(
      'durableGraph needs a Virtual Object handler (restate.object or restate.workflow): the ' +
        "thread's checkpoints live in the object's state under its key, and this handler belongs to a " +
        'plain service (restate.service), which has no key and no state. Serve the graph from ' +
        'restate.object, or pass { checkpointer: false } to run it with a thread that lasts only as ' +
        'long as this invocation.',
    );
  }
  const checkpointer =
    options.checkpointer === false
      ? undefined
      : (options.checkpointer ?? new RestateCheckpointSaver(ctx as ObjectContext));
  // Without persistence the checkpoints stay in memory; a replay rebuilds them the same way.
  const saver = checkpointer ?? new MemorySaver();
  const threadId = key ?? ctx.request().id;
  // Message ids come from core's id source, seeded by the invocation id: one scope per place they are given.
  const ids = idSource(ctx);
  // Results of the steps nodes made before an interrupt(), so a resumed node does not make them again.
  const memo = new TaskMemo(
    concurrency > 1 ? <T>(step: RestatePromise<T>) => stepBatch(ctx).add(step) : undefined,
  );

  const threadConfig = (config: RunnableConfig | undefined): RunnableConfig => ({
    ...config,
    configurable: { thread_id: threadId, ...config?.configurable },
  });

  const prepare = (config: (RunnableConfig & { durability?: string }) | undefined) => {
    refuseUnsupported(graph, config);
    // One gate per graph level and run: a subgraph's tasks run while its parent task holds a slot.
    const makeGate = () => new OrderedGate<TaskOrderKey>({ concurrency, compare: compareKeys });
    const copy = wrapGraph(graph, saver, makeGate, ids, memo);
    if (options.store) copy.store = options.store;
    const base = threadConfig(config);
    // Under live, LangGraph's own stream modes go to the log beside the UI chunks (live-graph-events.ts).
    const events = options.live && liveGraphEvents(options.live);
    const runConfig = {
      ...base,
      ...(events && { callbacks: withHandler(base.callbacks, events.handler) }),
      configurable: {
        ...base.configurable,
        [TASK_MEMO_KEY]: memo,
        ...(options.live && { [LIVE_KEY]: options.live }),
        ...(events && { [LIVE_EVENTS_KEY]: events }),
      },
      // Checkpoints go to state once, when the run ends (the saver holds them until then). By default
      // LangGraph makes one checkpoint per run; `durability: 'sync'` keeps one per superstep (time travel).
      // 'async' would run the saver beside the nodes, so it is taken as 'sync'.
      durability:
        config?.durability === undefined || config.durability === 'exit' ? 'exit' : 'sync',
    } as RunnableConfig;
    return { copy, runConfig };
  };
  /** A copy for the thread-state methods (no gate needed: no node runs). */
  const stateCopy = () => prepare(undefined).copy;

  /** Pending interrupts → one awakeable each → the `Command` that resumes them; `undefined` when done. */
  const awaitInterrupts = async (copy: AnyGraph, config: RunnableConfig) => {
    if (!options.onInterrupt) return undefined;
    const snapshot = await copy.getState(config);
    // Task ids are random per attempt; name and path are not, so they fix the order of the journal entries.
    const tasks = [...snapshot.tasks].sort((a, b) =>
      compareKeys([a.name, (a.path ?? []) as unknown[]], [b.name, (b.path ?? []) as unknown[]]),
    );
    const interrupts = tasks.flatMap((task) => task.interrupts ?? []);
    if (interrupts.length === 0) return undefined;
    // Every human is asked before any answer is awaited: parallel interrupts wait together, not in turn.
    const pending = interrupts.map((interrupt) => ({
      interrupt,
      awakeable: ctx.awakeable<unknown>(),
    }));
    for (const { interrupt, awakeable } of pending) {
      const request: GraphInterruptRequest = {
        awakeableId: awakeable.id,
        value: interrupt.value,
        interruptId: interrupt.id,
      };
      await durableStep(ctx, STEP_NAMES.interrupt, async () => {
        await options.onInterrupt?.(request);
      });
    }
    const answers = await RestatePromise.all(pending.map(({ awakeable }) => awakeable.promise));
    if (pending.length === 1) return new Command({ resume: answers[0] });
    const resume: Record<string, unknown> = {};
    pending.forEach(({ interrupt }, index) => {
      resume[interrupt.id ?? ''] = answers[index];
    });
    return new Command({ resume });
  };

  /**
   * Commits what the run checkpointed — also after it threw, so LangGraph can resume the thread from its
   * last checkpoint — unless the invocation itself is ending (suspended, cancelled, closed): then no
   * more journal entries may be written, and the retry runs the graph again anyway.
   */
  const commit = async (runConfig: RunnableConfig, failure: { error: unknown } | undefined) => {
    if (!checkpointer) return;
    const kind = failure ? controlErrorKind(findControlError(failure.error)) : undefined;
    if (kind !== undefined && kind !== 'terminal') return;
    // The steps of tasks left at an interrupt() go with the checkpoint their task ids derive from.
    const kept = memo.snapshot();
    if (kept !== undefined || memo.restoredAny) {
      checkpointer.writeTaskMemo(String(runConfig.configurable?.thread_id), kept);
    }
    await checkpointer.commitWrites();
  };

  /**
   * What both `invoke` and `stream` do before the graph runs: refuse what cannot be honoured, refuse a
   * thread too large to commit (before any model is paid), hold the saver's writes, and read back what a
   * resumed node's steps returned before its interrupt().
   */
  const start = async (input: unknown, config: RunnableConfig | undefined) => {
    const { copy, runConfig } = prepare(config);
    await checkpointer?.assertFits(runConfig);
    checkpointer?.deferWrites();
    if (checkpointer && isCommand(input) && input.resume !== undefined) {
      memo.restore(await checkpointer.readTaskMemo(String(runConfig.configurable?.thread_id)));
    }
    const first: unknown = stampMessageIds(input, () => ids.uuid('langgraph:input'));
    return { copy, runConfig, first };
  };

  /**
   * One `invoke` or `stream`: runs the graph, resumes it with the answers of interrupts paused on
   * awakeables, and commits the checkpoints at the end (also when it throws or a stream is stopped early).
   * Streaming yields LangGraph's chunks; either way it returns the last run's output.
   */
  async function* drive(
    input: unknown,
    config: RunnableConfig | undefined,
    streaming: boolean,
  ): AsyncGenerator<unknown, unknown> {
    const { copy, runConfig, first } = await start(input, config);
    let failure: { error: unknown } | undefined;
    try {
      let next = first;
      for (;;) {
        let output: unknown;
        if (streaming) {
          for await (const chunk of await copy.stream(next, runConfig)) yield chunk;
        } else {
          output = await copy.invoke(next, runConfig);
        }
        const resume = await awaitInterrupts(copy, runConfig);
        if (!resume) return output;
        next = resume;
      }
    } catch (error) {
      // LangGraph errors that would repeat on every retry end the invocation.
      failure = { error: asRepeatingFailure(error, REPEATING_GRAPH_ERRORS) ?? error };
      throw failure.error;
    } finally {
      await commit(runConfig, failure);
      if (options.live) await endTurn(options.live, failure);
    }
  }

  return {
    checkpointer,
    invoke: (async (input: unknown, config?: RunnableConfig) => {
      const runs = drive(input, config, false);
      let step = await runs.next();
      while (!step.done) step = await runs.next();
      return step.value;
    }) as DurableGraph<G>['invoke'],
    stream: (input, config) => drive(input, config as RunnableConfig | undefined, true),
    getState: (config, getOptions) => stateCopy().getState(threadConfig(config), getOptions),
    getStateHistory: (config, listOptions) =>
      stateCopy().getStateHistory(threadConfig(config), listOptions),
    async updateState(config, values, asNode) {
      const { copy } = prepare(config);
      const target = threadConfig(config);
      stampMessageIds(values, () => ids.uuid('langgraph:update'));
      const written = await copy.updateState(target, values, asNode);
      if (!checkpointer) return written;
      // The saver journaled the new checkpoint; LangGraph's answer carries this attempt's random id.
      const latest = await checkpointer.getTuple({
        configurable: {
          thread_id: target.configurable?.thread_id,
          checkpoint_ns: written.configurable?.checkpoint_ns ?? '',
        },
      });
      return latest?.config ?? written;
    },
  };
}

/**
 * Ends the live turn after a run: `finish` when it ended, an `error` frame when it failed for good. Not
 * after a suspension, a cancellation or a plain (retried) error: the next attempt, or the chat handlers'
 * own end of a failed turn, finishes it.
 */
async function endTurn(live: LiveStream, failure: { error: unknown } | undefined): Promise<void> {
  await endLiveTurn(liveChunks(live), failure);
}

/**
 * LangGraph options durableGraph cannot honour, refused with an error naming them (terminal: the same
 * graph and config would fail the same way on every retry).
 */
function refuseUnsupported(
  graph: AnyGraph,
  config: (RunnableConfig & { stepTimeout?: unknown }) | undefined,
): void {
  const refuse = (what: string, instead: string) => {
    throw new RepeatingFailureError(
      'unsupported',
      `durableGraph cannot honour ${what}: ${instead}`,
    );
  };
  if (config?.maxConcurrency !== undefined) {
    refuse(
      `maxConcurrency (${config.maxConcurrency})`,
      "LangGraph 1.7 drops tasks under it; use durableGraph's concurrency option instead.",
    );
  }
  const stepTimeout = config?.stepTimeout ?? (graph as { stepTimeout?: unknown }).stepTimeout;
  if (stepTimeout !== undefined) {
    refuse(
      `stepTimeout (${String(stepTimeout)})`,
      'it races a timer against the durable steps of a superstep, which a replay does not reproduce. ' +
        'Bound model and tool calls with attemptTimeout in their step options instead.',
    );
  }
  for (const [name, node] of Object.entries(graph.nodes as Record<string, { timeout?: unknown }>)) {
    if (node.timeout !== undefined) {
      refuse(
        `the timeout of node "${name}"`,
        "it races a timer against the node's durable steps, which a replay does not reproduce. " +
          'Bound model and tool calls with attemptTimeout in their step options instead ' +
          '(durableChatModel(ctx, model, { step: { attemptTimeout } })).',
      );
    }
  }
}

/** The object (or workflow) key, `undefined` in a plain service (whose `ctx.key` throws). */
function objectKey(ctx: ObjectContext | Context): string | undefined {
  try {
    const key = (ctx as { key?: unknown }).key;
    return typeof key === 'string' ? key : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A copy of `graph` (the caller's graph is untouched) whose nodes run through the gate, stamp message ids
 * on their output, and whose retry policies leave control errors alone.
 */
function wrapGraph(
  graph: AnyGraph,
  checkpointer: BaseCheckpointSaver | undefined,
  makeGate: () => OrderedGate<TaskOrderKey>,
  ids: IdSource,
  memo: TaskMemo,
): AnyGraph {
  const gate = makeGate();
  const copy = graph.withConfig({}) as AnyGraph;
  // A subgraph keeps its own setting (by default it inherits the parent's checkpointer at run time).
  if (checkpointer) copy.checkpointer = checkpointer;
  if (graph.retryPolicy) copy.retryPolicy = guardRetryPolicy(graph.retryPolicy, gate);
  const nodes: Record<string, unknown> = {};
  for (const [name, node] of Object.entries(graph.nodes as Record<string, AnyNode>)) {
    const wrapped: AnyNode = Object.assign(Object.create(Object.getPrototypeOf(node)), node);
    // A compiled subgraph as a node runs its own supersteps: its tasks get their own gate (the parent's
    // slot is held by the subgraph's task meanwhile) and its nodes stamp their own messages. It stays a
    // graph, so LangGraph still sees it as a subgraph (namespaces, `getState({ subgraphs })`, streaming).
    wrapped.bound = isGraph(node.bound)
      ? wrapGraph(node.bound, undefined, makeGate, ids, memo)
      : stampingRunnable(node.bound, ids);
    if (node.retryPolicy) wrapped.retryPolicy = guardRetryPolicy(node.retryPolicy, gate);
    const getNode = Object.getPrototypeOf(node).getNode as AnyNode['getNode'];
    wrapped.getNode = () => {
      const inner = getNode.call(wrapped);
      if (inner === undefined) return undefined;
      // LangGraph builds a new sequence (node, writers) per task; the node or a writer itself is shared.
      const fresh = inner !== wrapped.bound && !(wrapped.writers ?? []).includes(inner);
      return gatedRunnable(inner, fresh, gate, memo, graph.outputChannels as string | string[]);
    };
    nodes[name] = wrapped;
  }
  copy.nodes = nodes;
  return copy;
}

/** Whether a node's runnable is a compiled LangGraph graph (a subgraph). */
function isGraph(runnable: Runnable): runnable is Runnable & AnyGraph {
  // LangGraph's own mark of a Pregel instance (what its `isPregelLike` checks).
  return (runnable as { lg_is_pregel?: unknown }).lg_is_pregel === true;
}

interface AnyNode {
  bound: Runnable;
  writers?: Runnable[];
  retryPolicy?: RetryPolicy;
  getNode(): Runnable | undefined;
}

/**
 * The task's whole node (the user's function and LangGraph's channel writers) behind the gate. An object
 * with its own `invoke`, not a Runnable chain, so LangGraph's runner reaches the gate synchronously.
 * Under live, the node's update goes to the log while the task still holds its slot: in gate order, so
 * every replay sends the updates in the same order among the other events. A runnable made for this task
 * alone (`fresh`) gets the gated `invoke` as its own; a shared one is not changed but copied (a copy with
 * the runnable as its prototype, which costs V8 more than the task's other work).
 */
function gatedRunnable(
  inner: Runnable,
  fresh: boolean,
  gate: OrderedGate<TaskOrderKey>,
  memo: TaskMemo,
  outputChannels: string | string[],
): Runnable {
  const gated = fresh ? inner : (Object.create(inner) as Runnable);
  const invokeInner = inner.invoke.bind(inner);
  gated.invoke = (input: unknown, config?: RunnableConfig) => {
    const taskId = String(config?.configurable?.__pregel_task_id ?? '');
    const metadata = config?.metadata ?? {};
    const key: TaskOrderKey = [
      String(metadata.langgraph_node ?? ''),
      (metadata.langgraph_path as unknown[] | undefined) ?? [],
    ];
    const events = config?.configurable?.[LIVE_EVENTS_KEY] as LiveGraphEvents | undefined;
    const writes: [string, unknown][] = [];
    const ordered = orderedCalls(config as RunnableConfig);
    const runConfig = events ? recordingWrites(ordered, writes) : ordered;
    // The node run's tags as LangChain gives them: the task's callback manager's (`graph:step:<n>`), then its own.
    const managerTags = (config?.callbacks as { tags?: string[] } | undefined)?.tags ?? [];
    const tags = [...new Set([...managerTags, ...(config?.tags ?? [])])];
    return gate.run(taskId, key, async () => {
      // Each execution of the task (first run, retry, resume) counts its steps from the start.
      memo.begin(taskId);
      writes.length = 0;
      try {
        const output = await invokeInner(input, runConfig);
        memo.end(taskId, false);
        events?.nodeEnd({ metadata, tags, input, output, writes, outputChannels });
        return output;
      } catch (error) {
        const interrupted = isGraphInterrupt(error);
        memo.end(taskId, interrupted);
        if (interrupted)
          events?.nodeInterrupt({ metadata, tags, outputChannels }, error.interrupts);
        throw error;
      }
    });
  };
  return gated;
}

/** Where a run's live stream reaches the guarded `ToolNode.run` (`config.configurable`). */
const LIVE_KEY = '__restate_agents_live';

/** Where a run's {@link LiveGraphEvents} reach the gated tasks (`config.configurable`). */
const LIVE_EVENTS_KEY = '__restate_agents_live_events';

/** LangGraph's config key of a task's write function (`CONFIG_KEY_SEND` in `constants`). */
const CONFIG_KEY_SEND = '__pregel_send';

/** LangGraph's config key of the function `task()` calls go through (`CONFIG_KEY_CALL` in `constants`). */
const CONFIG_KEY_CALL = '__pregel_call';

/**
 * The task's config with its `task()` calls run one at a time, in the order the task made them. LangGraph
 * runs the calls of the functional API (`const [a, b] = await Promise.all([taskA(), taskB()])`) at once
 * and outside the nodes' gate: their durable steps would race (R7; "awaitNext already pending" when two
 * overlap) and reach the journal in completion order. Call order is replay-stable (it is how LangGraph
 * numbers the calls). A call holds its turn through its retries; a call made inside a `task()` runs
 * unordered (its config is LangGraph's own).
 */
function orderedCalls(config: RunnableConfig): RunnableConfig {
  const call = config?.configurable?.[CONFIG_KEY_CALL];
  if (typeof call !== 'function') return config;
  const gate = new OrderedGate<number>({ compare: (a, b) => a - b });
  let calls = 0;
  return {
    ...config,
    configurable: {
      ...config.configurable,
      [CONFIG_KEY_CALL]: (...args: unknown[]) => {
        const index = calls++;
        return gate.run(String(index), index, () => call(...args));
      },
    },
  };
}

/** The task's config with its write function also recording the writes into `writes`. */
function recordingWrites(config: RunnableConfig, writes: [string, unknown][]): RunnableConfig {
  const send = config.configurable?.[CONFIG_KEY_SEND];
  if (typeof send !== 'function') return config;
  return {
    ...config,
    configurable: {
      ...config.configurable,
      [CONFIG_KEY_SEND]: (items: [string, unknown][]) => {
        writes.push(...items);
        return send(items);
      },
    },
  };
}

/** The run's callbacks with `handler` added (a list, LangChain's manager, or none). */
function withHandler(
  callbacks: RunnableConfig['callbacks'],
  handler: BaseCallbackHandler,
): RunnableConfig['callbacks'] {
  if (callbacks === undefined) return [handler];
  if (Array.isArray(callbacks)) return [...callbacks, handler];
  return (callbacks as CallbackManager).copy([handler], true);
}

/** Where the guarded `ToolNode.run` hands its turn's {@link Turnstile} to the tools (a config property). */
const TOOL_TURN = Symbol('restate-agents.langgraph.toolTurn');

interface ToolTurn {
  turnstile: Turnstile;
  /** How many tools of this turn have started: a tool's place in the turn is its arrival index. */
  started: number;
  /** Restate's control errors a tool threw, which `ToolNode` would turn into a `ToolMessage`. */
  latch: ControlErrorLatch;
}

type ToolNodeInstance = Runnable & {
  tools?: unknown[];
  handleToolErrors?: unknown;
  run?: (input: unknown, config?: RunnableConfig) => Promise<unknown>;
};

/** ToolNodes already guarded (the guard is on the instance, shared by every run of the graph). */
const guardedToolNodes = new WeakSet<object>();

/**
 * LangGraph's prebuilt `ToolNode` (and `createAgent`'s) runs the tool calls of one AI message under
 * `Promise.all` (R7): their durable steps would race and reach the journal in completion order ("awaitNext
 * already pending", then 570 on replay). Under `durableGraph` its tools run one after the other in model
 * order (core's `Turnstile`; `ToolNode` starts them synchronously in the message's order, so arrival order
 * is model order).
 *
 * `ToolNode` also turns every error a tool throws into a `ToolMessage` for the model, Restate's terminal,
 * cancellation and suspension errors included (R4, R5): such an error is caught in a latch on the way out
 * and rethrown once the tools are done.
 *
 * The guard is put on the instance itself, not a copy (`createAgent`'s `ToolNode` keeps private fields a
 * copy cannot write), and acts only when the run is a `durableGraph` one (its task memo is in the config):
 * the same graph run elsewhere behaves as before.
 */
function guardToolNode(bound: Runnable): void {
  const candidate = bound as ToolNodeInstance;
  const run = candidate.run;
  if (
    !Array.isArray(candidate.tools) ||
    candidate.handleToolErrors === undefined ||
    typeof run !== 'function' ||
    guardedToolNodes.has(candidate)
  ) {
    return;
  }
  guardedToolNodes.add(candidate);
  candidate.tools = candidate.tools.map((tool) => {
    const original = tool as Runnable;
    const wrapped = Object.create(original) as Runnable;
    wrapped.invoke = async (input: unknown, config?: RunnableConfig) => {
      const turn = (config as { [TOOL_TURN]?: ToolTurn } | undefined)?.[TOOL_TURN];
      if (!turn) return original.invoke(input, config);
      try {
        return await turn.turnstile.run(String(turn.started++), () =>
          original.invoke(input, config),
        );
      } catch (error) {
        turn.latch.capture(error);
        throw error;
      }
    };
    return wrapped;
  });
  candidate.run = async function (this: unknown, input: unknown, config?: RunnableConfig) {
    if (config?.configurable?.[TASK_MEMO_KEY] === undefined) return run.call(this, input, config);
    const count = pendingToolCalls(input);
    const turn: ToolTurn = {
      turnstile: new Turnstile(Array.from({ length: count }, (_, index) => String(index))),
      started: 0,
      latch: new ControlErrorLatch(),
    };
    // ToolNode spreads the config into each tool's runtime: the turn reaches the wrapped tools with it.
    const output = await run.call(this, input, { ...config, [TOOL_TURN]: turn } as RunnableConfig);
    turn.latch.rethrow();
    const live = config.configurable[LIVE_KEY] as LiveStream | undefined;
    if (live) sendToolResults(liveChunks(live), input, output);
    return output;
  };
}

/**
 * The tool calls a `ToolNode` answered, with their results, to the live stream: `tool-input-available` and
 * `tool-output-available` (`tool-output-error` for an error message), in handler order after the model step
 * that asked for them, so a replay sends the same events again (the log keeps them once).
 */
function sendToolResults(chunks: LiveChunks, input: unknown, output: unknown): void {
  const calls = new Map<string, { name: string; args: unknown }>();
  const sent = Array.isArray(input)
    ? input
    : ((input as { messages?: unknown } | null)?.messages as unknown[] | undefined);
  for (const message of sent ?? []) {
    if (!isBaseMessage(message) || !isAIMessage(message)) continue;
    for (const call of (message as AIMessage).tool_calls ?? []) {
      if (call.id) calls.set(call.id, { name: call.name, args: call.args });
    }
  }
  const results = Array.isArray(output)
    ? output
    : ((output as { messages?: unknown } | null)?.messages as unknown[] | undefined);
  for (const message of results ?? []) {
    if (!isBaseMessage(message) || message.getType() !== 'tool') continue;
    const result = message as ToolMessage;
    for (const chunk of toolResultChunks(result, calls.get(result.tool_call_id)))
      chunks.send(chunk);
  }
}

/**
 * How many tools `ToolNode.run` will start for `input`: one for a `Send` (`{ lg_tool_call }`), else the
 * last AI message's tool calls not answered yet (the same selection as ToolNode 1.7's `run`).
 */
function pendingToolCalls(input: unknown): number {
  if (input !== null && typeof input === 'object' && 'lg_tool_call' in input) return 1;
  const messages = Array.isArray(input)
    ? input
    : ((input as { messages?: unknown } | null)?.messages as unknown[] | undefined);
  if (!Array.isArray(messages)) return 0;
  const answered = new Set(
    messages
      .filter((message) => isBaseMessage(message) && message.getType() === 'tool')
      .map((message) => (message as ToolMessage).tool_call_id),
  );
  const last = messages.findLast((message) => isBaseMessage(message) && isAIMessage(message)) as
    | AIMessage
    | undefined;
  return (last?.tool_calls ?? []).filter((call) => call.id == null || !answered.has(call.id))
    .length;
}

/**
 * The user's node function, followed by deterministic ids for the messages it returns without one. The
 * node keeps its own runnable (a copy whose `invoke` stamps the output), not a `RunnableLambda` around it:
 * each LangChain runnable layer costs a callback manager, a chain run and a run tree per node run (about
 * a quarter of a millisecond each, measured in the load bench), and shows in traces as a run of its own.
 */
function stampingRunnable(bound: Runnable, ids: IdSource): Runnable {
  guardToolNode(bound);
  const stamping = Object.create(bound) as Runnable;
  stamping.invoke = async (input: unknown, config?: RunnableConfig) => {
    const output = await bound.invoke(input, config);
    const metadata = config?.metadata ?? {};
    const attempt = (config as { executionInfo?: { nodeAttempt?: number } } | undefined)
      ?.executionInfo?.nodeAttempt;
    const scope = JSON.stringify([
      'langgraph:node',
      metadata.langgraph_step,
      metadata.langgraph_node,
      metadata.langgraph_path,
      attempt ?? 1,
    ]);
    return stampMessageIds(output, () => ids.uuid(scope));
  };
  return stamping;
}

/**
 * Gives messages without an id a deterministic one, before LangGraph's reducers would give them a random
 * `uuid4`: in a node's update (`{ messages: [...] }`, a `Command`'s update, a list of those) or the input.
 */
function stampMessageIds<T>(value: T, nextId: () => string): T {
  const stamp = (item: unknown): void => {
    if (isBaseMessage(item)) {
      if (!item.id) {
        const id = nextId();
        item.id = id;
        // Serialisation reads `lc_kwargs`, so the id must be there too.
        (item.lc_kwargs as Record<string, unknown>).id = id;
      }
    } else if (isMessageLike(item) && item.id === undefined) {
      item.id = nextId();
    }
  };
  const visitUpdate = (update: unknown): void => {
    if (update === null || typeof update !== 'object') return;
    if (isCommand(update)) {
      visitUpdate(update.update);
      return;
    }
    if (Array.isArray(update)) {
      for (const item of update) {
        if (isBaseMessage(item) || isMessageLike(item)) stamp(item);
        else visitUpdate(item);
      }
      return;
    }
    if (isBaseMessage(update)) {
      stamp(update);
      return;
    }
    for (const field of Object.values(update as Record<string, unknown>)) {
      if (Array.isArray(field)) {
        for (const item of field) stamp(item);
      } else {
        stamp(field);
      }
    }
  };
  visitUpdate(value);
  return value;
}

function isMessageLike(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return (
    (typeof record.role === 'string' || typeof record.type === 'string') && 'content' in record
  );
}

/**
 * The retry policy with control errors excluded: LangGraph's default `retryOn` retries a `TerminalError`
 * (it only skips aborts, graph errors and HTTP 400–409), and a retried cancellation or suspension would
 * re-run the node against an invocation that is ending.
 */
function guardRetryPolicy(policy: RetryPolicy, gate: OrderedGate<TaskOrderKey>): RetryPolicy {
  const retryOn = policy.retryOn ?? langGraphDefaultRetryOn;
  return {
    ...policy,
    retryOn: (error: unknown) => {
      if (isRestateControlError(error)) return false;
      const retry = retryOn(error);
      const taskId = (error as { pregelTaskId?: string } | null)?.pregelTaskId;
      if (retry && taskId !== undefined) gate.willRetry(taskId);
      return retry;
    },
  };
}

/** LangGraph 1.7's default `retryOn` (`pregel/retry.js`), which is not exported. */
function langGraphDefaultRetryOn(error: unknown): boolean {
  const candidate = error as {
    message?: string;
    name?: string;
    code?: string;
    status?: number;
    response?: { status?: number };
    error?: { code?: string };
  };
  const message = candidate?.message ?? '';
  if (message.startsWith('Cancel') || message.startsWith('AbortError')) return false;
  if (candidate?.name === 'AbortError' || candidate?.name === 'GraphValueError') return false;
  if (candidate?.code === 'ECONNABORTED') return false;
  const status = candidate?.response?.status ?? candidate?.status;
  if (status && [400, 401, 402, 403, 404, 405, 406, 407, 409].includes(Number(status)))
    return false;
  return candidate?.error?.code !== 'insufficient_quota';
}
