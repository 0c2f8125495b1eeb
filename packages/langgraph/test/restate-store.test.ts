/**
 * RestateStore, LangGraph's long-term memory on Virtual Object state, against the behaviour of LangGraph's
 * own `InMemoryStore` (the cases its store tests cover that apply without an embedding index): put, get,
 * update, delete, search by namespace prefix with filters and pagination, listNamespaces with prefix,
 * suffix, wildcards and maxDepth, and a node reading and writing memories through `config.store` inside
 * durableGraph. Every expectation is checked against InMemoryStore too. Normal and always-replay mode.
 */
import { HumanMessage } from '@langchain/core/messages';
import {
  type BaseStore,
  type LangGraphRunnableConfig,
  MessagesAnnotation,
  START,
  StateGraph,
} from '@langchain/langgraph';
import { InMemoryStore } from '@langchain/langgraph-checkpoint';
import { durableStep } from '@restate-agents/core';
import { useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { durableGraph, RestateStore } from '../src/index.js';

/** The same operations on any BaseStore; the result is what a store should answer. */
async function exercise(store: BaseStore, after: () => Promise<unknown>) {
  await store.put(['users', 'ada', 'memories'], 'food', { likes: 'pizza', score: 3 });
  await store.put(['users', 'ada', 'memories'], 'pet', { likes: 'cats', score: 7 });
  await store.put(['users', 'ada', 'profile'], 'name', { name: 'Ada' });
  await store.put(['users', 'bob', 'memories'], 'food', { likes: 'soup', score: 5 });
  await store.put(['docs', 'public'], 'readme', { text: 'hello' });
  await after();
  const created = (await store.get(['users', 'ada', 'memories'], 'food'))?.createdAt;
  await store.put(['users', 'ada', 'memories'], 'food', { likes: 'sushi', score: 4 });
  const updated = await store.get(['users', 'ada', 'memories'], 'food');
  const keys = (items: { namespace: string[]; key: string }[]) =>
    items.map((item) => [...item.namespace, item.key].join('/'));
  const namespaces = {
    namespaces: await store.listNamespaces(),
    prefixed: await store.listNamespaces({ prefix: ['users'] }),
    suffixed: await store.listNamespaces({ suffix: ['memories'] }),
    wildcard: await store.listNamespaces({ prefix: ['users', '*', 'profile'] }),
    shallow: await store.listNamespaces({ maxDepth: 2 }),
  };
  // (InMemoryStore keeps listing a namespace whose last item was deleted; stores on a database do not.)
  await store.delete(['users', 'bob', 'memories'], 'food');
  return {
    ...namespaces,
    got: updated?.value,
    createdKept: updated?.createdAt.getTime() === created?.getTime(),
    updatedAfterCreated: (updated?.updatedAt.getTime() ?? 0) >= (created?.getTime() ?? 0),
    missing: await store.get(['users', 'bob', 'memories'], 'food'),
    users: keys(await store.search(['users'])),
    ada: keys(await store.search(['users', 'ada'])),
    all: keys(await store.search([])),
    filtered: keys(await store.search(['users'], { filter: { likes: 'cats' } })),
    operators: keys(await store.search(['users'], { filter: { score: { $gte: 4 } } })),
    paged: keys(await store.search(['users'], { limit: 1, offset: 1 })),
  };
}

/** A node that remembers what the user said, in the store, and answers with everything remembered. */
const memoryGraph = () =>
  new StateGraph(MessagesAnnotation)
    .addNode('remember', async (state, config: LangGraphRunnableConfig) => {
      const store = config.store as BaseStore;
      const said = state.messages.at(-1)?.text ?? '';
      const namespace = ['memories', String(config.configurable?.thread_id)];
      await store.put(namespace, `m${state.messages.length}`, { said });
      const all = await store.search(namespace);
      return { messages: [new HumanMessage(all.map((item) => item.value.said).join(', '))] };
    })
    .addEdge(START, 'remember')
    .compile();

const service = restate.object({
  name: 'Store',
  handlers: {
    async exercise(ctx: restate.ObjectContext) {
      // A step between the writes and the reads: in always-replay mode everything replays from the top.
      return exercise(new RestateStore(ctx), () => durableStep(ctx, 'between', () => 'ok'));
    },
    async remember(ctx: restate.ObjectContext, text: string): Promise<string> {
      const graph = durableGraph(ctx, memoryGraph(), { store: new RestateStore(ctx) });
      const state = await graph.invoke({ messages: [new HumanMessage(text)] });
      return state.messages.at(-1)?.text ?? '';
    },
    async semantic(ctx: restate.ObjectContext): Promise<string> {
      return new RestateStore(ctx)
        .search(['users'], { query: 'food' })
        .then(() => 'searched')
        .catch((error: Error) => error.message);
    },
  },
});

describe.each([
  { mode: 'normal', alwaysReplay: false },
  { mode: 'always-replay', alwaysReplay: true },
])('RestateStore ($mode)', ({ mode, alwaysReplay }) => {
  const env = useRestate({ alwaysReplay, disableRetries: true });
  beforeAll(() => env.register({ services: [service] }));
  const call = async <T>(handler: string, key: string, input?: unknown): Promise<T> =>
    env.attach<T>((await env.send({ service: 'Store', handler, key }, input)).invocationId, {
      timeoutMs: 30_000,
    });

  it("answers as LangGraph's InMemoryStore does", async () => {
    const expected = await exercise(new InMemoryStore(), async () => undefined);
    const actual = await call<typeof expected>('exercise', `exercise-${mode}`);
    expect(actual).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(actual.got).toEqual({ likes: 'sushi', score: 4 });
    expect(actual.createdKept).toBe(true);
    expect(actual.filtered).toEqual(['users/ada/memories/pet']);
  });

  it('is the graph store: memories persist across invocations of the thread', async () => {
    expect(await call('remember', `memory-${mode}`, 'I like tea')).toBe('I like tea');
    expect(await call('remember', `memory-${mode}`, 'I live in Oslo')).toBe(
      'I like tea, I live in Oslo',
    );
  });

  it('refuses semantic search with an error naming the query option', async () => {
    expect(await call('semantic', `semantic-${mode}`)).toMatch(/query .* semantic search/);
  });
});
