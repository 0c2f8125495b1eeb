/**
 * The memory hook (R10, R8): Mastra's `memory` storage domain kept in Virtual Object state. Mastra's own
 * in-memory domain does the querying (threads, messages, paging, `lastMessages`); what it holds is loaded from
 * the object's state on first use and written back after every change. Mastra builds the records it saves
 * with random ids and `new Date()` outside any step, so each write's input goes through a journaled step
 * first (`mastra:memory:<operation>`): a replay saves the values of the first run, and the state written is
 * the same on every replay. Use one storage per invocation (it holds `ctx`).
 */
import {
  InMemoryDB,
  InMemoryMemory,
  InMemoryStore,
  type StorageDomains,
} from '@mastra/core/storage';
import { durableStep, journalSerde } from '@restate-agents/core';
import type { ObjectContext } from '@restatedev/restate-sdk';
import { STEP_NAMES } from './step-names.js';

/** Options of {@link RestateMemoryStorage}. */
export interface RestateMemoryStorageOptions {
  /** The state key the memory is kept under (default `mastra:memory`). */
  key?: string;
}

/** What the state holds: the rows of Mastra's in-memory tables. */
interface Snapshot {
  threads: [string, unknown][];
  messages: [string, unknown][];
  resources: [string, unknown][];
}

const TABLES = ['threads', 'messages', 'resources'] as const;

/** Mastra's in-memory memory domain, loaded from and saved to Virtual Object state, each write journaled. */
class JournaledMemory extends InMemoryMemory {
  readonly #ctx: ObjectContext;
  readonly #db: InMemoryDB;
  readonly #key: string;
  #loaded: Promise<void> | undefined;

  constructor(ctx: ObjectContext, db: InMemoryDB, key: string) {
    super({ db });
    this.#ctx = ctx;
    this.#db = db;
    this.#key = key;
  }

  /** Reads the state once, before the first operation of this storage. */
  load(): Promise<void> {
    this.#loaded ??= (async () => {
      const snapshot = await this.#ctx.get<Snapshot>(this.#key, journalSerde as never);
      for (const table of TABLES) {
        const rows = this.#db[table] as Map<string, unknown>;
        for (const [id, row] of snapshot?.[table] ?? []) rows.set(id, row);
      }
    })();
    return this.#loaded;
  }

  /** Journals `input`, applies it with `apply`, then writes the tables back to state. */
  async write<I, R>(operation: string, input: I, apply: (journaled: I) => Promise<R>): Promise<R> {
    await this.load();
    const journaled = await durableStep(this.#ctx, STEP_NAMES.memory(operation), () => input);
    const result = await apply(journaled);
    const snapshot: Snapshot = {
      threads: [...this.#db.threads.entries()],
      messages: [...this.#db.messages.entries()],
      resources: [...this.#db.resources.entries()],
    };
    this.#ctx.set(this.#key, snapshot, journalSerde as never);
    return result;
  }
}

// Every read loads the state first; every write is journaled and saved. Listed by name, so a method Mastra
// adds later is not silently left on the plain in-memory tables: reads are any method not listed as writes.
const WRITES = [
  'saveThread',
  'updateThread',
  'deleteThread',
  'saveMessages',
  'updateMessages',
  'deleteMessages',
  'saveResource',
  'updateResource',
  'copyThread',
] as const;
const READS = [
  'getThreadById',
  'listMessages',
  'listMessagesByResourceId',
  'listMessagesById',
  'listThreads',
  'getResourceById',
] as const;

for (const name of WRITES) {
  const original = (
    InMemoryMemory.prototype as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>
  )[name];
  if (typeof original !== 'function') continue;
  Object.defineProperty(JournaledMemory.prototype, name, {
    value(this: JournaledMemory, ...args: unknown[]) {
      return this.write(name, args, (journaled) => original.apply(this, journaled));
    },
  });
}
for (const name of READS) {
  const original = (
    InMemoryMemory.prototype as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>
  )[name];
  if (typeof original !== 'function') continue;
  Object.defineProperty(JournaledMemory.prototype, name, {
    async value(this: JournaledMemory, ...args: unknown[]) {
      await this.load();
      return original.apply(this, args);
    },
  });
}

/**
 * A Mastra storage whose `memory` domain (threads, messages, resources and working memory) lives in the
 * Virtual Object's state: give it to `new Memory({ storage })` in the handler. Other domains (workflow
 * snapshots, scores, …) stay in memory for the invocation only.
 *
 * @example
 * const memory = new Memory({ storage: new RestateMemoryStorage(ctx), options: { lastMessages: 20 } });
 * const agent = new Agent({ …, memory });
 * await durableAgent(ctx, agent).generate(message, { memory: { thread: ctx.key, resource: 'user' } });
 */
export class RestateMemoryStorage extends InMemoryStore {
  constructor(ctx: ObjectContext, options: RestateMemoryStorageOptions = {}) {
    super({ id: 'restate-memory' });
    const memory = new JournaledMemory(ctx, new InMemoryDB(), options.key ?? 'mastra:memory');
    (this.stores as StorageDomains).memory = memory;
  }
}
