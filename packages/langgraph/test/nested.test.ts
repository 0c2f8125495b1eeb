/**
 * Work inside nested graphs: a compiled subgraph used as a node, whose own superstep runs two branches
 * at once, and the functional API's `entrypoint` running two `task()`s at once — each with plain async
 * work before its journaled steps, as real nodes do. Normal and always-replay mode.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Annotation,
  Command,
  entrypoint,
  MemorySaver,
  START,
  StateGraph,
  task,
} from '@langchain/langgraph';
import { durableStep } from '@restate-agents/core';
import { useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { durableGraph } from '../src/index.js';

const State = Annotation.Root({
  log: Annotation<string[]>({ reducer: (left, right) => left.concat(right), default: () => [] }),
});

/** The subgraph: `slow` and `fast` in parallel, each journaling two steps. */
const researchSubgraph = (ctx: restate.ObjectContext) =>
  new StateGraph(State)
    .addNode('slow', async () => {
      await sleep(80);
      const first = await durableStep(ctx, 'slow:1', () => 'slow1');
      return { log: [first, await durableStep(ctx, 'slow:2', () => 'slow2')] };
    })
    .addNode('fast', async () => {
      const first = await durableStep(ctx, 'fast:1', () => 'fast1');
      return { log: [first, await durableStep(ctx, 'fast:2', () => 'fast2')] };
    })
    .addEdge(START, 'slow')
    .addEdge(START, 'fast')
    .compile();

const parentGraph = (ctx: restate.ObjectContext) =>
  new StateGraph(State)
    .addNode('research', researchSubgraph(ctx))
    .addNode('write', async (state) => ({
      log: [await durableStep(ctx, 'write', () => `write after ${state.log.length}`)],
    }))
    .addEdge(START, 'research')
    .addEdge('research', 'write')
    .compile();

/** The functional API: an entrypoint running two `task()`s at once, as LangGraph's docs show. */
const functionalWorkflow = (ctx: restate.ObjectContext) => {
  const slow = task('slow', async () => {
    await sleep(80);
    return durableStep(ctx, 'task:slow', () => 'slow');
  });
  const fast = task('fast', () => durableStep(ctx, 'task:fast', () => 'fast'));
  return entrypoint({ name: 'workflow', checkpointer: new MemorySaver() }, async () => {
    const results = await Promise.all([slow(), fast()]);
    return results;
  });
};

/** A node that routes with `Command({ goto, update })`, as LangGraph's Command how-to shows. */
const commandGraph = (ctx: restate.ObjectContext) =>
  new StateGraph(State)
    .addNode(
      'triage',
      async () =>
        new Command({
          goto: await durableStep(ctx, 'triage', () => 'billing'),
          update: { log: ['triaged'] },
        }),
      { ends: ['billing', 'support'] },
    )
    .addNode('billing', () => ({ log: ['billing'] }))
    .addNode('support', () => ({ log: ['support'] }))
    .addEdge(START, 'triage')
    .compile();

const service = restate.object({
  name: 'Nested',
  handlers: {
    async command(ctx: restate.ObjectContext): Promise<string[]> {
      return (await durableGraph(ctx, commandGraph(ctx)).invoke({})).log;
    },
    async functional(ctx: restate.ObjectContext): Promise<string[]> {
      return (await durableGraph(ctx, functionalWorkflow(ctx)).invoke({})) as string[];
    },
    async subgraph(ctx: restate.ObjectContext): Promise<string[]> {
      const state = await durableGraph(ctx, parentGraph(ctx)).invoke({});
      return state.log;
    },
  },
});

describe.each([
  { mode: 'normal', alwaysReplay: false },
  { mode: 'always-replay', alwaysReplay: true },
])('nested graphs ($mode)', ({ mode, alwaysReplay }) => {
  const env = useRestate({ alwaysReplay, disableRetries: true });
  beforeAll(() => env.register({ services: [service] }));

  it("a subgraph node's parallel branches journal in task order and replay cleanly", async () => {
    const { invocationId } = await env.send({
      service: 'Nested',
      handler: 'subgraph',
      key: `subgraph-${mode}`,
    });
    const log = await env.attach<string[]>(invocationId, { timeoutMs: 30_000 });
    expect([...log].sort()).toEqual(['fast1', 'fast2', 'slow1', 'slow2', 'write after 4']);
    const steps = (await env.journal(invocationId))
      .filter((entry) => entry.kind === 'command' && entry.type === 'Run')
      .map((entry) => entry.name);
    expect(steps).toEqual([
      'fast:1',
      'fast:2',
      'slow:1',
      'slow:2',
      'write',
      'langgraph:checkpoint',
    ]);
  });

  it('a node returning Command({ goto, update }) routes and updates the state', async () => {
    const { invocationId } = await env.send({
      service: 'Nested',
      handler: 'command',
      key: `command-${mode}`,
    });
    expect(await env.attach(invocationId, { timeoutMs: 30_000 })).toEqual(['triaged', 'billing']);
  });

  it('the functional API: two task() calls at once replay cleanly', async () => {
    const { invocationId } = await env.send({
      service: 'Nested',
      handler: 'functional',
      key: `functional-${mode}`,
    });
    expect(await env.attach(invocationId, { timeoutMs: 30_000 })).toEqual(['slow', 'fast']);
    const steps = (await env.journal(invocationId))
      .filter((entry) => entry.kind === 'command' && entry.type === 'Run')
      .map((entry) => entry.name);
    // Call by call, in the order the entrypoint made them — not in the order they finish (`fast` would be
    // first; and on busy cores its step would overlap `slow`'s: "awaitNext already pending").
    expect(steps).toEqual(['task:slow', 'task:fast', 'langgraph:checkpoint']);
  });
});
