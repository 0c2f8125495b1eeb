/**
 * A graph whose superstep runs a parallel branch (`a` and `b` from START) and a `Send` fan-out (two
 * `worker` tasks) at once. Each node does what real nodes do: journaled steps, and plain async work
 * (a timer standing in for an SDK's own awaits) before or between them. Run natively, the journal order
 * of their steps depends on timing; run through durableGraph it does not.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Annotation, END, Send, START, StateGraph } from '@langchain/langgraph';
import { durableStep } from '@restate-agents/core';
import type { ObjectContext } from '@restatedev/restate-sdk';

const State = Annotation.Root({
  log: Annotation<string[]>({ reducer: (left, right) => left.concat(right), default: () => [] }),
  item: Annotation<string>,
});

/** The compiled graph; every node journals its work on `ctx`. */
// biome-ignore lint/suspicious/noExplicitAny: the test only needs invoke().
export function buildParallelGraph(ctx: ObjectContext): any {
  return new StateGraph(State)
    .addNode('a', async () => {
      const first = await durableStep(ctx, 'a:first', async () => {
        await sleep(120);
        return 'a1';
      });
      const second = await durableStep(ctx, 'a:second', () => 'a2');
      return { log: [first, second] };
    })
    .addNode('b', async () => {
      await sleep(30);
      return { log: [await durableStep(ctx, 'b:only', () => 'b1')] };
    })
    .addNode('worker', async (state: { item: string }) => {
      if (state.item === 'slow') await sleep(60);
      const first = await durableStep(ctx, `worker:${state.item}:1`, () => `${state.item}1`);
      const second = await durableStep(ctx, `worker:${state.item}:2`, () => `${state.item}2`);
      return { log: [first, second] };
    })
    .addEdge(START, 'a')
    .addEdge(START, 'b')
    .addConditionalEdges(START, () => [
      new Send('worker', { item: 'slow' }),
      new Send('worker', { item: 'fast' }),
    ])
    .addEdge('a', END)
    .addEdge('b', END)
    .addEdge('worker', END)
    .compile();
}
