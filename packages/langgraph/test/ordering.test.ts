import type { RestateEnvironment } from '@restate-agents/testing';
import { useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { durableGraph } from '../src/index.js';
import { buildParallelGraph } from './parallel-graph.js';

const graphs = restate.object({
  name: 'ParallelGraph',
  handlers: {
    /** The graph run by LangGraph alone: tasks race, journal order follows completion order. */
    async unordered(ctx: restate.ObjectContext): Promise<string[]> {
      const state = await buildParallelGraph(ctx).invoke({});
      return state.log as string[];
    },
    /** The same graph through durableGraph. */
    async ordered(ctx: restate.ObjectContext): Promise<string[]> {
      const state = await durableGraph(ctx, buildParallelGraph(ctx)).invoke({});
      return state.log as string[];
    },
  },
});

const server: RestateEnvironment = useRestate({ alwaysReplay: true });
beforeAll(() => server.register({ services: [graphs] }));

const runNames = async (invocationId: string) =>
  (await server.journal(invocationId))
    .filter((entry) => entry.kind === 'command' && entry.type === 'Run')
    .map((entry) => entry.name);

describe('a superstep with a parallel branch and a Send fan-out (always-replay)', () => {
  it('without durableGraph the racing tasks hit a journal mismatch on replay', async () => {
    const { invocationId } = await server.send({
      service: 'ParallelGraph',
      handler: 'unordered',
      key: 'unordered',
    });
    const status = await server.waitForStatus(
      invocationId,
      (current) => /570|mismatch/i.test(current.lastFailure ?? ''),
      { timeoutMs: 30_000 },
    );
    expect(status.lastFailure).toMatch(/mismatch|570/i);
    await server.kill(invocationId);
  });

  it('with durableGraph the tasks journal in task order and replay cleanly', async () => {
    const { invocationId } = await server.send({
      service: 'ParallelGraph',
      handler: 'ordered',
      key: 'ordered',
    });
    const log = await server.attach<string[]>(invocationId, { timeoutMs: 30_000 });
    expect([...log].sort()).toEqual(['a1', 'a2', 'b1', 'fast1', 'fast2', 'slow1', 'slow2']);
    // By node name, then task path: the two Sends keep their fan-out order (slow was sent first).
    expect(await runNames(invocationId)).toEqual([
      'a:first',
      'a:second',
      'b:only',
      'worker:slow:1',
      'worker:slow:2',
      'worker:fast:1',
      'worker:fast:2',
      'langgraph:checkpoint',
    ]);
    expect((await server.invocation(invocationId)).retryCount).toBe(0);
  });
});
