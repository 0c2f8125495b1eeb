/**
 * LangGraph's long-term memory (`BaseStore`: namespaced items, put/get/delete, search and list by prefix)
 * on Virtual Object state (R10): every item is one state key, so reads and writes are covered by the
 * journal and made by one invocation at a time, and a replay sees the same items.
 */
import {
  BaseStore,
  type GetOperation,
  type Item,
  type ListNamespacesOperation,
  type Operation,
  type OperationResults,
  type PutOperation,
  type SearchItem,
  type SearchOperation,
  validateNamespace,
} from '@langchain/langgraph-checkpoint';
import type { ObjectContext, ObjectSharedContext } from '@restatedev/restate-sdk';
import { readThrough, stateSerde } from './state-cache.js';

/** Options of {@link RestateStore}. */
export interface RestateStoreOptions {
  /** Prefix of every state key the store writes; default `'store'`. */
  prefix?: string;
}

/** One stored item: the value and its journaled timestamps (ms since the epoch). */
interface StoredItem {
  value: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

/** Namespace (labels joined by `:`, which labels may not contain) → its keys, in insertion order. */
type StoreIndex = Record<string, string[]>;

/**
 * A LangGraph `BaseStore` on the state of the current Virtual Object. Give it to the graph
 * (`durableGraph(ctx, graph, { store: new RestateStore(ctx) })` or `graph.compile({ store })`) and nodes
 * reach it as `config.store`. Writes need an exclusive handler; a shared handler can read.
 *
 * Search is by namespace prefix and `filter` (LangGraph's operators `$eq`, `$ne`, `$gt`, `$gte`, `$lt`,
 * `$lte`, `$in`, `$nin`); semantic search (`query`) needs an embedding index, which this store has not:
 * a search with a `query` is refused with an error naming it.
 *
 * @example
 * const store = new RestateStore(ctx);
 * await store.put(['users', ctx.key, 'memories'], 'food', { likes: 'pizza' });
 * const memories = await store.search(['users', ctx.key]);
 */
export class RestateStore extends BaseStore {
  readonly #ctx: ObjectContext | ObjectSharedContext;
  readonly #prefix: string;
  /** What was read or written in this invocation; an exclusive handler is the only writer. */
  readonly #cache = new Map<string, unknown>();

  constructor(ctx: ObjectContext | ObjectSharedContext, options: RestateStoreOptions = {}) {
    super();
    this.#ctx = ctx;
    this.#prefix = options.prefix ?? 'store';
  }

  override async batch<Op extends Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    const results: unknown[] = [];
    // One journaled timestamp for all the puts of the batch: `Date.now()` would differ on replay.
    const now = operations.some((op) => 'value' in op) ? await this.#ctx.date.now() : 0;
    for (const op of operations) {
      if ('value' in op) {
        await this.#put(op, now);
        results.push(undefined);
      } else if ('namespacePrefix' in op) {
        results.push(await this.#search(op));
      } else if ('matchConditions' in op || 'maxDepth' in op) {
        results.push(await this.#listNamespaces(op as ListNamespacesOperation));
      } else {
        results.push(await this.#get(op as GetOperation));
      }
    }
    return results as OperationResults<Op>;
  }

  async #get({ namespace, key }: GetOperation): Promise<Item | null> {
    const stored = await this.#read<StoredItem>(this.#itemKey(namespace, key));
    return stored ? toItem(namespace, key, stored) : null;
  }

  async #put({ namespace, key, value, index }: PutOperation, now: number): Promise<void> {
    validateNamespace(namespace);
    if (index !== undefined && index !== false) {
      throw new TypeError(
        `RestateStore.put: the index option (${JSON.stringify(index)}) needs an embedding index for ` +
          'semantic search, which RestateStore has not; leave index unset or pass false.',
      );
    }
    const itemKey = this.#itemKey(namespace, key);
    const existing = await this.#read<StoredItem>(itemKey);
    const storeIndex = { ...(await this.#index()) };
    const name = namespace.join(':');
    const keys = storeIndex[name] ?? [];
    if (value === null) {
      if (!existing) return;
      this.#write(itemKey, undefined);
      const rest = keys.filter((candidate) => candidate !== key);
      if (rest.length > 0) storeIndex[name] = rest;
      else delete storeIndex[name];
      this.#write(this.#indexKey(), storeIndex);
      return;
    }
    this.#write(itemKey, {
      value,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    } satisfies StoredItem);
    if (!keys.includes(key)) {
      storeIndex[name] = [...keys, key];
      this.#write(this.#indexKey(), storeIndex);
    }
  }

  async #search(op: SearchOperation): Promise<SearchItem[]> {
    if (op.query !== undefined) {
      throw new TypeError(
        `RestateStore.search: query (${JSON.stringify(op.query)}) is semantic search, which needs an ` +
          'embedding index RestateStore has not. Search by namespace prefix and filter instead.',
      );
    }
    if (op.namespacePrefix.length > 0) validateNamespace(op.namespacePrefix);
    const prefix = op.namespacePrefix.join(':');
    const found: SearchItem[] = [];
    for (const [name, keys] of Object.entries(await this.#index())) {
      if (prefix !== '' && name !== prefix && !name.startsWith(`${prefix}:`)) continue;
      const namespace = name.split(':');
      for (const key of keys) {
        const stored = await this.#read<StoredItem>(this.#itemKey(namespace, key));
        if (!stored) continue;
        if (op.filter && !matchesFilter(stored.value, op.filter)) continue;
        found.push({ ...toItem(namespace, key, stored), score: undefined });
      }
    }
    const offset = op.offset ?? 0;
    return found.slice(offset, offset + (op.limit ?? 10));
  }

  async #listNamespaces(op: ListNamespacesOperation): Promise<string[][]> {
    let namespaces = Object.keys(await this.#index()).map((name) => name.split(':'));
    for (const condition of op.matchConditions ?? []) {
      namespaces = namespaces.filter((namespace) => matchesCondition(condition, namespace));
    }
    if (op.maxDepth !== undefined) {
      const depth = op.maxDepth;
      namespaces = [
        ...new Set(namespaces.map((namespace) => namespace.slice(0, depth).join(':'))),
      ].map((name) => name.split(':'));
    }
    namespaces.sort((a, b) => a.join(':').localeCompare(b.join(':')));
    const offset = op.offset ?? 0;
    return namespaces.slice(offset, offset + (op.limit ?? namespaces.length));
  }

  async #index(): Promise<StoreIndex> {
    return (await this.#read<StoreIndex>(this.#indexKey())) ?? {};
  }

  #indexKey(): string {
    return `${this.#prefix}:index`;
  }

  #itemKey(namespace: string[], key: string): string {
    return `${this.#prefix}:item:${JSON.stringify([...namespace, key])}`;
  }

  #read<T>(key: string): Promise<T | undefined> {
    return readThrough<T>(this.#ctx, this.#cache, key);
  }

  #write(key: string, value: unknown): void {
    const ctx = this.#ctx as ObjectContext;
    if (typeof ctx.set !== 'function') {
      throw new TypeError(
        "RestateStore: writing needs an exclusive handler's ObjectContext; this handler is shared (read-only).",
      );
    }
    this.#cache.set(key, value);
    if (value === undefined) ctx.clear(key);
    else ctx.set(key, value, stateSerde);
  }
}

function toItem(namespace: string[], key: string, stored: StoredItem): Item {
  return {
    namespace,
    key,
    value: stored.value,
    createdAt: new Date(stored.createdAt),
    updatedAt: new Date(stored.updatedAt),
  };
}

/** LangGraph's filter semantics (`compareValues` of its stores): equality, or `$`-operators. */
function matchesFilter(value: Record<string, unknown>, filter: Record<string, unknown>): boolean {
  return Object.entries(filter).every(([field, expected]) => {
    const actual = value[field];
    if (expected === null || typeof expected !== 'object' || Array.isArray(expected)) {
      return actual === expected;
    }
    const operators = Object.entries(expected as Record<string, unknown>).filter(([name]) =>
      name.startsWith('$'),
    );
    if (operators.length === 0) return actual === expected;
    return operators.every(([name, operand]) => {
      switch (name) {
        case '$eq':
          return actual === operand;
        case '$ne':
          return actual !== operand;
        case '$gt':
          return Number(actual) > Number(operand);
        case '$gte':
          return Number(actual) >= Number(operand);
        case '$lt':
          return Number(actual) < Number(operand);
        case '$lte':
          return Number(actual) <= Number(operand);
        case '$in':
          return Array.isArray(operand) && operand.includes(actual);
        case '$nin':
          return !Array.isArray(operand) || !operand.includes(actual);
        default:
          return false;
      }
    });
  });
}

function matchesCondition(
  { matchType, path }: { matchType: string; path: string[] },
  namespace: string[],
): boolean {
  if (path.length > namespace.length) return false;
  const start = matchType === 'suffix' ? namespace.length - path.length : 0;
  if (matchType !== 'prefix' && matchType !== 'suffix') {
    throw new TypeError(`RestateStore.listNamespaces: unknown matchType ${matchType}`);
  }
  return path.every((label, index) => label === '*' || namespace[start + index] === label);
}
