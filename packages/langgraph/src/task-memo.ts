/**
 * Side effects before `interrupt()` run once. LangGraph resumes an interrupted node by running it again from
 * the top, so everything the node did before `interrupt()` — a model call, a tool, a payment — happens
 * again (LangGraph's own semantics). Under `durableGraph` every durable step a node makes (a
 * `durableChatModel` call, a `durableTool` call, {@link durableNodeStep}) records its result here, keyed by
 * the task and the step's place in it. When the task ends at an `interrupt()` the results are kept; when
 * the node runs again to resume, its steps return them instead of running again. A task that completes
 * (or fails) drops its results, so the memo only ever holds the steps of tasks waiting at an interrupt.
 *
 * Replay safety: task ids come from the checkpoint id, which is random until the run's checkpoints are
 * committed. Inside one invocation the results live in memory, keyed by this attempt's ids (a replay
 * rebuilds them from the journal under its own ids). Results a later invocation needs go to Virtual Object
 * state inside the same journaled commit as the checkpoint whose id the task ids derive from, so they are
 * keyed consistently with it; a run resuming with `Command({ resume })` reads them back once, before any
 * node runs.
 */
import type { RunnableConfig } from '@langchain/core/runnables';
import { getConfig } from '@langchain/langgraph';
import { type DurableStepOptions, durableStep, RepeatingFailureError } from '@restate-agents/core';
import { type Context, isRestatePromise, type RestatePromise } from '@restatedev/restate-sdk';

/**
 * The `configurable` key under which `durableGraph` hands its memo to the steps a node makes. The same
 * string is read by `@restate-agents/langchain` (`durableChatModel`, `durableTool`): a protocol between the
 * two packages, which do not import each other.
 */
export const TASK_MEMO_KEY = '__restate_agents_task_memo';

/** LangGraph's configurable keys of a running task (`@langchain/langgraph` constants, not exported). */
const TASK_ID_KEY = '__pregel_task_id';

/** The stored form: task id → step key → journaled result. */
export type StoredTaskMemo = Record<string, Record<string, unknown>>;

/** What a step inside a node calls, found in `config.configurable[TASK_MEMO_KEY]`. */
export interface TaskMemoProtocol {
  /**
   * The result the running task's `kind` step (its n-th of that kind in this execution of the node) got
   * before the task was interrupted, or `action()`'s, recorded when `keep` accepts it.
   */
  run<T>(
    configurable: Record<string, unknown>,
    kind: string,
    action: () => Promise<T>,
    keep?: (value: T) => boolean,
  ): Promise<T>;
}

/** One run's memo (see the file comment). */
export class TaskMemo implements TaskMemoProtocol {
  /** Results of tasks that ran in this attempt: task id → step key → result. */
  readonly #live = new Map<string, Map<string, unknown>>();
  /** How many steps of each kind the current execution of each task has made. */
  readonly #counters = new Map<string, Map<string, number>>();
  /** What an earlier invocation kept, once read. */
  #stored: StoredTaskMemo | undefined;
  /** Tasks durableGraph did not start (nodes of a subgraph invoked inside a node) with a step in flight. */
  readonly #unordered = new Map<string, Set<Promise<unknown>>>();
  /** How a step's `RestatePromise` is awaited (core's `stepBatch` when tasks run side by side). */
  readonly #await: (<T>(step: RestatePromise<T>) => Promise<T>) | undefined;

  /**
   * `awaitStep`: when tasks run side by side (`concurrency` > 1), two plain awaits on pending Restate
   * promises fail ("awaitNext already pending"); the steps are awaited through one combinator instead.
   */
  constructor(awaitStep?: <T>(step: RestatePromise<T>) => Promise<T>) {
    this.#await = awaitStep;
  }

  /** Gives the memo what an earlier invocation kept (read by `durableGraph` before a resuming run). */
  restore(stored: StoredTaskMemo | undefined): void {
    this.#stored = stored ?? {};
  }

  /** Whether {@link restore} found results: then a commit must overwrite (or clear) them. */
  get restoredAny(): boolean {
    return this.#stored !== undefined && Object.keys(this.#stored).length > 0;
  }

  /** A task starts an execution (its first, a retry, or a resume): its step counts start again. */
  begin(taskId: string): void {
    this.#counters.set(taskId, new Map());
  }

  /**
   * A task's execution ended. Interrupted: its results wait for the resume. Otherwise (it completed, or
   * failed and may be retried as a new execution) they are dropped.
   */
  end(taskId: string, interrupted: boolean): void {
    this.#counters.delete(taskId);
    if (!interrupted) this.#live.delete(taskId);
  }

  async run<T>(
    configurable: Record<string, unknown>,
    kind: string,
    action: () => Promise<T>,
    keep: (value: T) => boolean = () => true,
  ): Promise<T> {
    const taskId = configurable[TASK_ID_KEY];
    if (typeof taskId !== 'string') return action();
    if (!this.#counters.has(taskId)) return this.#unorderedStep(taskId, configurable, action);
    // Counted synchronously, at the call: steps a node starts side by side get their numbers in call order.
    const counters = this.#counters.get(taskId) ?? new Map<string, number>();
    this.#counters.set(taskId, counters);
    const n = (counters.get(kind) ?? 0) + 1;
    counters.set(kind, n);
    const key = `${kind}#${n}`;
    let entries = this.#live.get(taskId);
    if (!entries) {
      entries = new Map(Object.entries(this.#stored?.[taskId] ?? {}));
      this.#live.set(taskId, entries);
    }
    if (entries.has(key)) return entries.get(key) as T;
    const started = action();
    const value =
      this.#await && isRestatePromise(started as Promise<T>)
        ? await this.#await(started as RestatePromise<T>)
        : await started;
    if (keep(value)) this.#live.get(taskId)?.set(key, value);
    return value;
  }

  /**
   * A step of a task durableGraph's gate did not start: a node of a subgraph the user's node function
   * invokes itself. One such task at a time is fine (a chain of nodes); two with steps in flight at once
   * would journal in completion order, which a replay does not reproduce (570), so that is refused.
   */
  async #unorderedStep<T>(
    taskId: string,
    configurable: Record<string, unknown>,
    action: () => Promise<T>,
  ): Promise<T> {
    const other = [...this.#unordered.keys()].find((id) => id !== taskId);
    if (other !== undefined) {
      // The other task's step settles first: the run then ends with no Restate await left pending (the
      // commit that follows would otherwise meet it: "awaitNext already pending").
      await Promise.allSettled([...(this.#unordered.get(other) ?? [])]);
      throw new RepeatingFailureError(
        'unsupported',
        `durableGraph cannot order the parallel tasks of a subgraph invoked from inside a node (` +
          `"${String(configurable.checkpoint_ns ?? '')}" made a durable step while another task of it ` +
          'had one in flight): their steps would reach the journal in completion order, which a replay ' +
          'does not reproduce. Add the subgraph to the parent graph as a node (addNode(name, subgraph)), ' +
          'whose tasks durableGraph orders, or keep its supersteps to one task each.',
      );
    }
    const inFlight = this.#unordered.get(taskId) ?? new Set<Promise<unknown>>();
    this.#unordered.set(taskId, inFlight);
    const step = action();
    inFlight.add(step);
    try {
      return await step;
    } finally {
      inFlight.delete(step);
      if (inFlight.size === 0) this.#unordered.delete(taskId);
    }
  }

  /** The results of interrupted tasks, to store with the run's checkpoints; `undefined` when none. */
  snapshot(): StoredTaskMemo | undefined {
    const kept: StoredTaskMemo = {};
    for (const [taskId, entries] of this.#live) {
      if (entries.size > 0) kept[taskId] = Object.fromEntries(entries);
    }
    return Object.keys(kept).length > 0 ? kept : undefined;
  }
}

/**
 * Core's `durableStep`, for a side effect inside a LangGraph node that may later call `interrupt()`: when
 * the node runs again to resume, the step returns its first result instead of running again — also when
 * the resume comes in a later invocation (`Command({ resume })`). Steps are matched by name and by how many
 * steps of that name the node made before, so a node must make them in the same order on every run (as it
 * must for Restate's journal anyway). Outside a `durableGraph` node it is `durableStep`.
 *
 * @example
 * .addNode('book', async (state) => {
 *   const hold = await durableNodeStep(ctx, 'hold-seat', () => airline.hold(state.flight));
 *   const ok = interrupt({ question: `Book ${hold.seat}?` }); // hold-seat does not run again on resume
 *   return { booked: ok ? await durableNodeStep(ctx, 'book', () => airline.book(hold.id)) : null };
 * })
 */
export function durableNodeStep<T>(
  ctx: Context,
  name: string,
  action: (attemptSignal: AbortSignal) => T | Promise<T>,
  options?: DurableStepOptions<T>,
): Promise<T> {
  const run = () => durableStep(ctx, name, action, options);
  // The running task's config, as LangGraph's interrupt() finds it (async-local storage).
  const configurable = (getConfig() as RunnableConfig | undefined)?.configurable;
  const memo = configurable?.[TASK_MEMO_KEY] as TaskMemoProtocol | undefined;
  return memo ? memo.run(configurable as Record<string, unknown>, `step:${name}`, run) : run();
}
