/**
 * durableGraph on core's contract: a failure that would repeat identically ends the invocation with a
 * terminal error instead of Restate's retries (the server here retries, as by default), a graph wrapped
 * twice is wrapped once, and the concurrency option is checked by core. Normal and always-replay mode.
 */
import { Annotation, START, StateGraph } from '@langchain/langgraph';
import { durableStep } from '@restate-agents/core';
import { useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { durableGraph } from '../src/index.js';

const State = Annotation.Root({
  count: Annotation<number>({ reducer: (left, right) => left + right, default: () => 0 }),
});

/** A node that always routes back to itself: LangGraph stops it at the recursion limit. */
const loopingGraph = (ctx: restate.ObjectContext) =>
  new StateGraph(State)
    .addNode('spin', async () => {
      await durableStep(ctx, 'spin', () => 1);
      return { count: 1 };
    })
    .addEdge(START, 'spin')
    .addEdge('spin', 'spin')
    .compile();

const counterGraph = () =>
  new StateGraph(State)
    .addNode('add', () => ({ count: 1 }))
    .addEdge(START, 'add')
    .compile();

const service = restate.object({
  name: 'GraphContract',
  handlers: {
    async loop(ctx: restate.ObjectContext): Promise<number> {
      const state = await durableGraph(ctx, loopingGraph(ctx)).invoke({}, { recursionLimit: 3 });
      return state.count;
    },
    async doubleWrap(ctx: restate.ObjectContext): Promise<{ same: boolean; count: number }> {
      const once = durableGraph(ctx, counterGraph());
      const twice = durableGraph(ctx, once);
      const state = await twice.invoke({});
      return { same: once === twice, count: state.count };
    },
    async unsupported(ctx: restate.ObjectContext): Promise<string[]> {
      const timed = new StateGraph(State)
        .addNode('add', () => ({ count: 1 }), { timeout: 1000 })
        .addEdge(START, 'add')
        .compile();
      const messages: string[] = [];
      for (const run of [
        () => durableGraph(ctx, counterGraph()).invoke({}, { maxConcurrency: 1 }),
        () => durableGraph(ctx, timed).invoke({}),
      ]) {
        messages.push(
          await run().then(
            () => 'accepted',
            (error: Error) => error.message,
          ),
        );
      }
      return messages;
    },
    async badConcurrency(ctx: restate.ObjectContext): Promise<string> {
      try {
        durableGraph(ctx, counterGraph(), { concurrency: 0 });
        return 'accepted';
      } catch (error) {
        return (error as Error).message;
      }
    },
  },
});

describe.each([
  { mode: 'normal', alwaysReplay: false },
  { mode: 'always-replay', alwaysReplay: true },
])('durableGraph on the contract ($mode)', ({ mode, alwaysReplay }) => {
  const env = useRestate({ alwaysReplay });
  beforeAll(() => env.register({ services: [service] }));

  it('GraphRecursionError ends the invocation at once as a repeating failure', async () => {
    const { invocationId } = await env.send({
      service: 'GraphContract',
      handler: 'loop',
      key: `loop-${mode}`,
    });
    const failure = await env
      .attach(invocationId, { timeoutMs: 30_000 })
      .catch((error: unknown) => error as Error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(
      /GraphRecursionError: .*Recursion limit of 3.*would repeat identically/s,
    );
    // The three supersteps ran once each: no retry of the invocation ran them again.
    const spins = (await env.journal(invocationId)).filter((entry) => entry.name === 'spin');
    expect(spins).toHaveLength(3);
    expect((await env.invocation(invocationId)).retryCount ?? 0).toBeLessThanOrEqual(1);
  });

  it('a DurableGraph passed to durableGraph again is the same graph, committed once', async () => {
    const { invocationId } = await env.send({
      service: 'GraphContract',
      handler: 'doubleWrap',
      key: `double-${mode}`,
    });
    expect(await env.attach(invocationId, { timeoutMs: 30_000 })).toEqual({
      same: true,
      count: 1,
    });
    const commits = (await env.journal(invocationId)).filter(
      (entry) => entry.name === 'langgraph:checkpoint',
    );
    expect(commits).toHaveLength(1);
  });

  it('LangGraph options it cannot honour are refused, naming them', async () => {
    const { invocationId } = await env.send({
      service: 'GraphContract',
      handler: 'unsupported',
      key: `unsupported-${mode}`,
    });
    const [maxConcurrency, timeout] = await env.attach<string[]>(invocationId, {
      timeoutMs: 30_000,
    });
    expect(maxConcurrency).toMatch(/^unsupported: durableGraph cannot honour maxConcurrency \(1\)/);
    expect(timeout).toMatch(/^unsupported: durableGraph cannot honour the timeout of node "add"/);
  });

  it('concurrency is checked by core, naming the option', async () => {
    const { invocationId } = await env.send({
      service: 'GraphContract',
      handler: 'badConcurrency',
      key: `concurrency-${mode}`,
    });
    expect(await env.attach(invocationId, { timeoutMs: 30_000 })).toBe(
      'durableGraph concurrency must be a whole number of at least 1, got 0',
    );
  });
});
