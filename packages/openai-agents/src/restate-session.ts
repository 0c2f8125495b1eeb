/**
 * Rule R10 for the SDK's `Session`: the conversation lives in the Virtual Object's K/V state, keyed by the
 * object key, written by one exclusive invocation at a time and covered by the journal. Items are kept in
 * chunks (core's `listStore`), so a turn's append rewrites one chunk, not the whole history.
 */
import type { AgentInputItem, RunContext, RunContextAwareSession } from '@openai/agents-core';
import { type ListStore, listStore } from '@restate-agents/core';
import type { ObjectContext, ObjectSharedContext } from '@restatedev/restate-sdk';
import { activeBinding, restateContext } from './restate-context.js';

/** Options of {@link RestateSession}. */
export interface RestateSessionOptions {
  /** State name the items are kept under (keys `<name>:meta`, `<name>:<chunk>`); default `'session'`. */
  name?: string;
  /** Items per state key; default core's `DEFAULT_CHUNK_SIZE`. Fixed for the life of a session. */
  chunkSize?: number;
}

type AnyObjectContext = ObjectContext | ObjectSharedContext;

/**
 * The SDK's `Session` on Virtual Object state: the session id is the object key. Pass it as `session` to
 * `DurableRunner.run`. Writes need an exclusive handler; a shared handler can read the history.
 *
 * Built with `ctx`, or without it at module level: it is run-context-aware, so the runner hands it the
 * run's context and it finds the invocation's `ctx` there.
 *
 * @example
 * const result = await new DurableRunner(ctx).run(agent, prompt, { session: new RestateSession(ctx) });
 */
export class RestateSession implements RunContextAwareSession {
  readonly acceptsRunContext: true = true;
  readonly #ctx: AnyObjectContext | undefined;
  readonly #options: RestateSessionOptions;
  #stores = new WeakMap<AnyObjectContext, ListStore<AgentInputItem>>();

  constructor(ctx?: AnyObjectContext, options: RestateSessionOptions = {}) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /**
   * The context of the invocation asking: the one given at construction, the run context's, or (for calls
   * the SDK makes without a run context) the run in progress in this async context — never the last one
   * seen, which under concurrent invocations belongs to another session.
   */
  #context(runContext?: RunContext<unknown>): AnyObjectContext {
    const ctx =
      this.#ctx ??
      (runContext
        ? restateContext<AnyObjectContext>(runContext)
        : (activeBinding()?.ctx as AnyObjectContext | undefined));
    if (!ctx) {
      throw new TypeError(
        'RestateSession has no Restate context: construct it with `new RestateSession(ctx)`, or use it ' +
          'only through DurableRunner.run, which passes the run context.',
      );
    }
    if (typeof (ctx as { key?: unknown }).key !== 'string') {
      throw new TypeError(
        'RestateSession needs a Virtual Object context (its key is the session id)',
      );
    }
    return ctx;
  }

  #store(runContext?: RunContext<unknown>): ListStore<AgentInputItem> {
    const ctx = this.#context(runContext);
    let store = this.#stores.get(ctx);
    if (!store) {
      const { name = 'session', chunkSize } = this.#options;
      store = listStore<AgentInputItem>(ctx, name, chunkSize === undefined ? {} : { chunkSize });
      this.#stores.set(ctx, store);
    }
    return store;
  }

  /** The Virtual Object key. */
  async getSessionId(): Promise<string> {
    return this.#context().key;
  }

  /** The last `limit` items (all without a limit), oldest first. */
  getItems(limit?: number, runContext?: RunContext<unknown>): Promise<AgentInputItem[]> {
    return this.#store(runContext).read(limit);
  }

  /** Appends items at the end of the history. */
  addItems(items: AgentInputItem[], runContext?: RunContext<unknown>): Promise<void> {
    return this.#store(runContext).append(...items);
  }

  /** Removes and returns the newest item. */
  popItem(runContext?: RunContext<unknown>): Promise<AgentInputItem | undefined> {
    return this.#store(runContext).pop();
  }

  /** Removes every item. */
  clearSession(runContext?: RunContext<unknown>): Promise<void> {
    return this.#store(runContext).clear();
  }
}
