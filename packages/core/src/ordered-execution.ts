/**
 * Rule R7: the tool calls of one model turn create their journal entries in the order the model emitted
 * them, on every attempt. Restate matches journal entries by position, so tools racing each other under
 * native `Promise.all` replay in a different order and fail with a journal mismatch (570); native
 * `Promise.all` over pending `ctx.run`s even fails outright on SDK 1.17 ("awaitNext already pending").
 *
 * One module, one mechanism per way a loop can run tools — pick by who starts the tools:
 *
 * | who starts the turn's tools | ids known up front | use |
 * | --- | --- | --- |
 * | your own loop (plain `openai`/`@anthropic-ai/sdk`) | yes | {@link executeInOrder} (sequential, or bounded-parallel over `RestatePromise`s) |
 * | the SDK, all at once, tools that are one step each (AI SDK, OpenAI Agents `durableTool`) | no need | {@link stepBatch}: hand it the step, one combinator awaits them |
 * | the SDK, all at once, tools whose bodies await several durable operations | yes (the model's call ids) | {@link Turnstile} (LangChain middleware) |
 * | the SDK, all at once, ids not known up front (LangGraph supersteps) | no | {@link OrderedGate}, ordered by a replay-stable key |
 *
 * Durable tools go through `durableToolStep` (durable-tool-step.ts) in every case: it returns a
 * `RestatePromise` whose give-up is an outcome, not a rejection, so it fits each of the four.
 */
import { type Context, isRestatePromise, RestatePromise } from '@restatedev/restate-sdk';
import { assertConcurrency } from './concurrency.js';
import { findControlError } from './control-errors.js';
import { asToolGaveUp } from './durable-tool-step.js';
import { TurnAbortedError } from './errors/turn-aborted-error.js';

/** The outcome of one call: the same shape as `Promise.allSettled`'s. */
export type CallOutcome<R> =
  | { status: 'fulfilled'; value: R }
  | { status: 'rejected'; reason: unknown };

/** Options of {@link executeInOrder}. */
export interface ExecuteInOrderOptions {
  /**
   * How many calls run at once (default 1: one after the other, in model order). Above 1, `run` must return
   * a `RestatePromise` (a `durableStep`, a service call, an awakeable) without awaiting anything first:
   * only then is the order of journal entries fixed when the batch is created.
   */
  concurrency?: number;
}

/**
 * Runs one turn's calls in model order and reports each outcome; a Restate control error (terminal,
 * cancelled, suspended) stops the turn and is rethrown, so it never becomes a tool result for the model.
 * A step that gave up inside a call (`durableStep`'s retries ran out, or its error was not retryable) is
 * reported as a rejected outcome with a `ToolGaveUpError`, for the model, as the tool-call contract says.
 *
 * @example
 * const outcomes = await executeInOrder(toolCalls, (call) =>
 *   durableStep(ctx, `tool:${call.name}`, () => tools[call.name](call.arguments)),
 * { concurrency: 4 });
 */
export async function executeInOrder<C, R>(
  calls: readonly C[],
  run: (call: C, index: number) => R | Promise<R> | RestatePromise<R>,
  options: ExecuteInOrderOptions = {},
): Promise<CallOutcome<R>[]> {
  const concurrency = assertConcurrency(options.concurrency, 'concurrency');
  const outcomes: CallOutcome<R>[] = [];
  if (concurrency === 1) {
    for (const [index, call] of calls.entries()) {
      outcomes.push(await settle(() => run(call, index)));
    }
    return outcomes;
  }
  for (let start = 0; start < calls.length; start += concurrency) {
    const batch = calls.slice(start, start + concurrency);
    const promises = batch.map((call, offset) => {
      const promise = startCall(() => run(call, start + offset));
      if (!isRestatePromise(promise as Promise<unknown>)) {
        throw new TypeError(
          `executeInOrder with concurrency ${concurrency} needs run() to return a RestatePromise ` +
            `(call ${start + offset} returned ${describeValue(promise)}). Wrap the call in durableStep, ` +
            'or use concurrency 1 for tools that await several durable operations.',
        );
      }
      return promise as RestatePromise<R>;
    });
    const settled = await RestatePromise.allSettled(promises);
    for (const result of settled) {
      if (result.status === 'rejected') {
        outcomes.push({ status: 'rejected', reason: asToolError(result.reason) });
      } else {
        outcomes.push(result);
      }
    }
  }
  return outcomes;
}

function startCall<R>(call: () => R | Promise<R> | RestatePromise<R>): unknown {
  try {
    return call();
  } catch (error) {
    throwIfControl(error);
    return RestatePromise.reject(error as never);
  }
}

async function settle<R>(call: () => R | Promise<R> | RestatePromise<R>): Promise<CallOutcome<R>> {
  try {
    return { status: 'fulfilled', value: await call() };
  } catch (error) {
    return { status: 'rejected', reason: asToolError(error) };
  }
}

/**
 * What a failed call hands the model: a step that gave up inside the tool becomes a `ToolGaveUpError` (the
 * tool-call contract: the model receives it, the agent goes on); any other Restate control error — a
 * `TerminalError` the tool threw, a cancellation, a give-up under `onGiveUp: 'fail'` — ends the turn.
 */
function asToolError(error: unknown): unknown {
  const gaveUp = asToolGaveUp(error);
  if (gaveUp) return gaveUp;
  throwIfControl(error);
  return error;
}

function throwIfControl(error: unknown): void {
  const control = findControlError(error);
  if (control) throw control;
}

function describeValue(value: unknown): string {
  if (value instanceof Promise) return 'a native Promise';
  return value === null ? 'null' : typeof value;
}

/**
 * Lets an SDK that starts every tool of a turn at once (under its own `Promise.all`) run them one at a
 * time in model order: each tool waits for its turn, and after a failure the later tools never start.
 * Use it where the SDK, not the adapter, calls the tools; otherwise prefer {@link executeInOrder}.
 */
export class Turnstile {
  readonly #order: readonly string[];
  readonly #finished = new Map<string, PromiseWithResolvers<void>>();
  #failure: unknown;
  #failed = false;

  /** `ids` are the tool call ids in the order the model emitted them. */
  constructor(ids: readonly string[]) {
    if (new Set(ids).size !== ids.length) {
      throw new TypeError(`Tool call ids of one turn must be unique, got ${JSON.stringify(ids)}`);
    }
    this.#order = ids;
    for (const id of ids) this.#finished.set(id, Promise.withResolvers<void>());
  }

  /** Whether `id` is one of this turn's calls. */
  has(id: string): boolean {
    return this.#finished.has(id);
  }

  /** Runs `action` for call `id` once every earlier call has finished; rethrows an earlier failure. */
  async run<T>(id: string, action: () => T | Promise<T>): Promise<T> {
    const position = this.#order.indexOf(id);
    if (position === -1) throw new TypeError(`Tool call ${id} is not part of this turn`);
    const previous = position > 0 ? this.#order[position - 1] : undefined;
    if (previous !== undefined) await this.#finished.get(previous)?.promise;
    if (this.#failed) {
      this.#finished.get(id)?.resolve();
      // Its cause is the control error, so findControlError still sees it through this wrapper.
      throw new TurnAbortedError(id, this.#failure);
    }
    try {
      const value = await action();
      this.#finished.get(id)?.resolve();
      return value;
    } catch (error) {
      if (findControlError(error) && !asToolGaveUp(error)) {
        // Later calls must not touch the context of an invocation that is ending.
        this.#failed = true;
        this.#failure = error;
      }
      this.#finished.get(id)?.resolve();
      throw error;
    }
  }
}

/**
 * One batch per invocation attempt, keyed by the attempt's request object (`ctx.request()`): the same for
 * the context and any wrapper of it, so steps handed in through two wrappers still share one combinator
 * (two native awaits on pending steps fail with "awaitNext already pending").
 */
const batches = new WeakMap<object, StepBatch>();

/**
 * The invocation's {@link StepBatch}: tools an SDK runs concurrently (under its own `Promise.all`) hand
 * their durable steps to it instead of awaiting them. Steps created in the same tick, in the order the
 * SDK started the tools, are awaited together by one `RestatePromise.allSettled`.
 *
 * @example
 * execute: (input, { toolCallId }) =>
 *   stepBatch(ctx).add(durableStep(ctx, `tool:${toolCallId}`, () => charge(input)))
 */
export function stepBatch(ctx: Context): StepBatch {
  const attempt = ctx.request();
  let batch = batches.get(attempt);
  if (!batch) {
    batch = new StepBatch();
    batches.set(attempt, batch);
  }
  return batch;
}

interface Waiting {
  step: RestatePromise<unknown>;
  resolve(value: unknown): void;
  reject(reason: unknown): void;
}

/**
 * Gathers the steps tools start in the same tick and awaits them with one `RestatePromise.allSettled`,
 * one batch at a time, so there is never more than one native await on Restate promises.
 */
export class StepBatch {
  #waiting: Waiting[] = [];
  #scheduled = false;

  /** Awaits `step` together with the other steps added in this tick; settles with its outcome. */
  add<T>(step: RestatePromise<T>): Promise<T> {
    const { promise, resolve, reject } = Promise.withResolvers<T>();
    this.#waiting.push({ step, resolve: resolve as (value: unknown) => void, reject });
    if (!this.#scheduled) {
      this.#scheduled = true;
      // After the microtasks of this tick: every tool the SDK started together has created its step.
      setImmediate(() => {
        this.#flush().catch(() => undefined);
      });
    }
    return promise;
  }

  async #flush(): Promise<void> {
    const batch = this.#waiting;
    this.#waiting = [];
    try {
      const [only] = batch;
      if (batch.length === 1 && only) {
        // A step alone (tools run one at a time) is awaited as it is: a combinator of one is one more
        // promise layer the Restate SDK polls through on every turn of its loop, for nothing.
        await only.step.then(only.resolve, only.reject);
        return;
      }
      const settled = await RestatePromise.allSettled(batch.map((waiting) => waiting.step));
      settled.forEach((outcome, index) => {
        const waiting = batch[index] as Waiting;
        if (outcome.status === 'fulfilled') waiting.resolve(outcome.value);
        else waiting.reject(outcome.reason);
      });
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    } finally {
      this.#scheduled = false;
      // Steps added while this batch was awaited form the next batch, awaited only now.
      if (this.#waiting.length > 0) {
        this.#scheduled = true;
        setImmediate(() => {
          this.#flush().catch(() => undefined);
        });
      }
    }
  }
}

interface GateWaiting<K> {
  taskId: string;
  key: K;
  start: () => void;
}

/** Options of {@link OrderedGate}. */
export interface OrderedGateOptions<K> {
  /** How many tasks run at once; default 1. */
  concurrency?: number;
  /** Orders the tasks that arrived together (a replay-stable key: a node name and path, never a random id). */
  compare: (a: K, b: K) => number;
}

/**
 * Lets tasks that an SDK starts all at once — without telling the adapter their ids up front (unlike
 * {@link Turnstile}) — run at most `concurrency` at a time, in the order of a replay-stable key. The tasks
 * that arrive in the same macrotask are collected, sorted and started; a task that the SDK will retry keeps
 * its slot through the back-off, so no other task's durable operations slip between its attempts.
 *
 * @example
 * const gate = new OrderedGate<string>({ compare: (a, b) => a.localeCompare(b) });
 * node = (input) => gate.run(taskId, nodeName, () => runNode(input));
 */
export class OrderedGate<K> {
  readonly #concurrency: number;
  readonly #compare: (a: K, b: K) => number;
  readonly #waiting: GateWaiting<K>[] = [];
  readonly #holding = new Set<string>();
  readonly #retrying = new Set<string>();
  #opening = false;

  constructor(options: OrderedGateOptions<K>) {
    this.#concurrency = assertConcurrency(options.concurrency, 'concurrency');
    this.#compare = options.compare;
  }

  /**
   * Marks that the SDK will retry `taskId` (its retry policy said so, right after the attempt failed): the
   * task keeps its slot through the back-off, so no later task slips in between its attempts.
   */
  willRetry(taskId: string): void {
    this.#retrying.add(taskId);
  }

  /** Runs one attempt of a task once its turn has come. */
  async run<T>(taskId: string, key: K, attempt: () => Promise<T>): Promise<T> {
    if (!this.#holding.has(taskId)) {
      await new Promise<void>((start) => {
        this.#waiting.push({ taskId, key, start });
        this.#scheduleOpen();
      });
    }
    try {
      const value = await attempt();
      this.#release(taskId);
      return value;
    } catch (error) {
      // The SDK decides about a retry right after this rejection reaches it (LangGraph: synchronously, in
      // its catch block); a macrotask later the decision is known.
      setImmediate(() => {
        if (this.#retrying.delete(taskId)) return;
        this.#release(taskId);
      });
      throw error;
    }
  }

  #scheduleOpen(): void {
    if (this.#opening) return;
    this.#opening = true;
    // The SDK starts every task of the batch synchronously (LangGraph's runner does); after this macrotask
    // all of them wait here, so the order below does not depend on timing.
    setImmediate(() => {
      this.#opening = false;
      this.#startNext();
    });
  }

  #release(taskId: string): void {
    if (!this.#holding.delete(taskId)) return;
    this.#startNext();
  }

  #startNext(): void {
    this.#waiting.sort((a, b) => this.#compare(a.key, b.key));
    while (this.#holding.size < this.#concurrency) {
      const next = this.#waiting.shift();
      if (!next) return;
      this.#holding.add(next.taskId);
      next.start();
    }
  }
}
