/**
 * Rule R10: conversation history and other session state live in Virtual Object K/V state, keyed by the
 * object key (the session, chat or thread id), so they are covered by the journal and written by one
 * invocation at a time. A list is stored in chunks under separate keys: appending rewrites only the last
 * chunk, so the journal grows with what is added, not with the whole history on every turn.
 */
import type { ObjectContext, ObjectSharedContext, Serde } from '@restatedev/restate-sdk';
import { createJournalSerde } from './journal-serde.js';

/** Default items per chunk: small enough that an append stays cheap, large enough that a read is few gets. */
export const DEFAULT_CHUNK_SIZE = 32;

/** Options of {@link listStore}. */
export interface ListStoreOptions<T> {
  /** How items are stored; default the journal serde (keeps `Date`, bytes, `URL`, `undefined`). */
  serde?: Serde<T[]>;
  /** Items per state key; default {@link DEFAULT_CHUNK_SIZE}. Fixed for the life of a list. */
  chunkSize?: number;
}

/** A list in Virtual Object state: a session's items, a chat's messages. */
export interface ListStore<T> {
  /** All items, or the last `limit` of them, oldest first. */
  read(limit?: number): Promise<T[]>;
  /** Number of items. */
  length(): Promise<number>;
  /** Adds items at the end. Needs an exclusive handler (`ObjectContext`). */
  append(...items: T[]): Promise<void>;
  /** Removes and returns the last item, `undefined` when empty. */
  pop(): Promise<T | undefined>;
  /** Removes every item. */
  clear(): Promise<void>;
}

interface ListMeta {
  length: number;
  chunkSize: number;
}

/**
 * A list stored under the state keys `<name>:meta` and `<name>:<chunk>` of the current Virtual Object.
 * Reads are cached for the rest of the handler, which is safe: an exclusive handler is the only writer.
 *
 * @example
 * const history = listStore<Message>(ctx, 'messages');
 * await history.append({ role: 'user', content: input });
 * const messages = await history.read();
 */
export function listStore<T>(
  ctx: ObjectContext | ObjectSharedContext,
  name: string,
  options: ListStoreOptions<T> = {},
): ListStore<T> {
  if (name.length === 0) throw new TypeError('listStore needs a non-empty state name');
  const serde = options.serde ?? createJournalSerde<T[]>();
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);
  }
  const metaKey = `${name}:meta`;
  const chunkKey = (index: number) => `${name}:${index}`;
  const chunks = new Map<number, T[]>();
  let meta: ListMeta | undefined;

  // Writes need an exclusive handler; Restate itself refuses them in a shared one.
  const writable = (): ObjectContext => ctx as ObjectContext;
  const loadMeta = async (): Promise<ListMeta> => {
    meta ??= (await ctx.get<ListMeta>(metaKey)) ?? { length: 0, chunkSize };
    return meta;
  };
  const loadChunk = async (index: number): Promise<T[]> => {
    let chunk = chunks.get(index);
    if (!chunk) {
      chunk = (await ctx.get<T[]>(chunkKey(index), serde)) ?? [];
      chunks.set(index, chunk);
    }
    return chunk;
  };
  const saveMeta = (next: ListMeta) => {
    meta = next;
    writable().set(metaKey, next);
  };
  const saveChunk = (index: number, chunk: T[]) => {
    chunks.set(index, chunk);
    if (chunk.length === 0) writable().clear(chunkKey(index));
    else writable().set(chunkKey(index), chunk, serde);
  };

  return {
    async read(limit?: number): Promise<T[]> {
      const { length, chunkSize: size } = await loadMeta();
      const from = limit === undefined ? 0 : Math.max(0, length - limit);
      const items: T[] = [];
      // Sequential gets: the order of state reads is part of the journal, so it must be fixed.
      for (let index = Math.floor(from / size); index * size < length; index++) {
        items.push(...(await loadChunk(index)));
      }
      return items.slice(from - Math.floor(from / size) * size);
    },
    async length(): Promise<number> {
      return (await loadMeta()).length;
    },
    async append(...items: T[]): Promise<void> {
      if (items.length === 0) return;
      const current = await loadMeta();
      let length = current.length;
      let remaining = items;
      while (remaining.length > 0) {
        const index = Math.floor(length / current.chunkSize);
        const chunk = [...(await loadChunk(index))];
        const room = current.chunkSize - chunk.length;
        chunk.push(...remaining.slice(0, room));
        remaining = remaining.slice(room);
        length = index * current.chunkSize + chunk.length;
        saveChunk(index, chunk);
      }
      saveMeta({ ...current, length });
    },
    async pop(): Promise<T | undefined> {
      const current = await loadMeta();
      if (current.length === 0) return undefined;
      const index = Math.floor((current.length - 1) / current.chunkSize);
      const chunk = [...(await loadChunk(index))];
      const item = chunk.pop();
      saveChunk(index, chunk);
      saveMeta({ ...current, length: current.length - 1 });
      return item;
    },
    async clear(): Promise<void> {
      const target = writable();
      const current = await loadMeta();
      const chunkCount = Math.ceil(current.length / current.chunkSize);
      for (let index = 0; index < chunkCount; index++) target.clear(chunkKey(index));
      target.clear(metaKey);
      chunks.clear();
      meta = { length: 0, chunkSize: current.chunkSize };
    },
  };
}

/** A single record in Virtual Object state (settings, a summary, the last checkpoint). */
export interface RecordStore<T> {
  get(): Promise<T | undefined>;
  set(value: T): void;
  clear(): void;
}

/** A record stored under the state key `name`, with the journal serde unless `serde` is given. */
export function recordStore<T>(
  ctx: ObjectContext | ObjectSharedContext,
  name: string,
  serde: Serde<T> = createJournalSerde<T>(),
): RecordStore<T> {
  const writable = (): ObjectContext => ctx as ObjectContext;
  return {
    async get(): Promise<T | undefined> {
      return (await ctx.get<T>(name, serde)) ?? undefined;
    },
    set(value: T): void {
      writable().set(name, value, serde);
    },
    clear(): void {
      writable().clear(name);
    },
  };
}
