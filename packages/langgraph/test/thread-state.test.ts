/**
 * A thread's state through the saver and DurableGraph: `updateState`, `getState`, `getStateHistory`,
 * `deleteThread`, and what a run leaves behind when it throws or its stream is stopped early. Every
 * handler ends with a journaled step, so in always-replay mode it runs again from the top after the
 * state writes and any write that differs on replay shows as a journal mismatch.
 */
import { AIMessage, type BaseMessage, HumanMessage } from '@langchain/core/messages';
import { Annotation, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { durableStep } from '@restate-agents/core';
import { useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { durableGraph, RestateCheckpointSaver } from '../src/index.js';

/** START → greet → shout: two nodes, two supersteps. */
const chatGraph = () =>
  new StateGraph(MessagesAnnotation)
    .addNode('greet', () => ({ messages: [new AIMessage('hello')] }))
    .addNode('shout', (state) => ({
      messages: [new AIMessage(`${state.messages.at(-1)?.text.toUpperCase()}!`)],
    }))
    .addEdge(START, 'greet')
    .addEdge('greet', 'shout')
    .compile();

/** START → first → second, where `second` throws while `fail` is set. */
const State = Annotation.Root({
  log: Annotation<string[]>({ reducer: (left, right) => left.concat(right), default: () => [] }),
  fail: Annotation<boolean>,
});
const failingGraph = () =>
  new StateGraph(State)
    .addNode('first', () => ({ log: ['first'] }))
    .addNode('second', (state) => {
      if (state.fail) throw new Error('second failed');
      return { log: ['second'] };
    })
    .addEdge(START, 'first')
    .addEdge('first', 'second')
    .compile();

const texts = (messages: BaseMessage[]) => messages.map((message) => message.text);
/** A journaled step after the state writes: in always-replay mode the handler replays from the top. */
const settle = (ctx: restate.Context) => durableStep(ctx, 'after', () => 'ok');

const graphs = restate.object({
  name: 'ThreadState',
  handlers: {
    /** LangGraph's own `updateState` on a graph compiled with the saver, no durableGraph. */
    async updateOutside(ctx: restate.ObjectContext): Promise<string[]> {
      const graph = chatGraph().withConfig({}) as ReturnType<typeof chatGraph>;
      graph.checkpointer = new RestateCheckpointSaver(ctx);
      const config = { configurable: { thread_id: ctx.key } };
      await graph.updateState(config, {
        messages: [new HumanMessage({ id: 'h1', content: 'hi' })],
      });
      await settle(ctx);
      return texts((await graph.getState(config)).values.messages);
    },
    /** durableGraph.invoke, then the saver's deleteThread, in one invocation. */
    async invokeThenDelete(ctx: restate.ObjectContext): Promise<string> {
      const graph = durableGraph(ctx, chatGraph());
      await graph.invoke({ messages: [new HumanMessage('hi')] });
      await graph.checkpointer?.deleteThread(ctx.key);
      return settle(ctx);
    },
    /** The thread-state methods of DurableGraph around a run. */
    async threadMethods(ctx: restate.ObjectContext) {
      const graph = durableGraph(ctx, chatGraph());
      // One checkpoint per superstep, as LangGraph's time-travel guide runs it.
      await graph.invoke({ messages: [new HumanMessage('hi')] }, { durability: 'sync' });
      const updated = await graph.updateState(undefined, {
        messages: [new HumanMessage('added later')],
      });
      await settle(ctx);
      const state = await graph.getState();
      let history = 0;
      for await (const _ of graph.getStateHistory()) history += 1;
      return {
        messages: texts(state.values.messages),
        checkpointId: updated.configurable?.checkpoint_id as string,
        latestId: state.config.configurable?.checkpoint_id as string,
        history,
      };
    },
    /** Reads the latest state in a later invocation: what the previous one committed. */
    read: restate.handlers.object.shared(async (ctx: restate.ObjectSharedContext) => {
      const saver = new RestateCheckpointSaver(ctx);
      const tuple = await saver.getTuple({ configurable: { thread_id: ctx.key } });
      return tuple?.checkpoint.channel_values ?? null;
    }),
    /** A run that throws in its second node; the error is caught, the handler ends normally. */
    async throwing(ctx: restate.ObjectContext): Promise<string> {
      const graph = durableGraph(ctx, failingGraph());
      const error = await graph.invoke({ fail: true }).catch((caught: Error) => caught.message);
      await settle(ctx);
      return String(error);
    },
    /** A stream the caller stops after the first chunk. */
    async stoppedStream(ctx: restate.ObjectContext): Promise<unknown> {
      const graph = durableGraph(ctx, failingGraph());
      let first: unknown;
      for await (const chunk of graph.stream({ fail: false }, { streamMode: 'updates' })) {
        first = chunk;
        break;
      }
      await settle(ctx);
      return first;
    },
  },
});

const plain = restate.service({
  name: 'PlainGraph',
  handlers: {
    async withState(ctx: restate.Context): Promise<string> {
      try {
        durableGraph(ctx, chatGraph());
        return 'no error';
      } catch (error) {
        return (error as Error).message;
      }
    },
    async invocationScoped(ctx: restate.Context): Promise<string[]> {
      const graph = durableGraph(ctx, chatGraph(), { checkpointer: false });
      const state = await graph.invoke({ messages: [new HumanMessage('hi')] });
      await settle(ctx);
      return texts(state.messages);
    },
  },
});

describe.each([
  { mode: 'normal', alwaysReplay: false },
  { mode: 'always-replay', alwaysReplay: true },
])('thread state ($mode)', ({ mode, alwaysReplay }) => {
  const env = useRestate({ alwaysReplay, disableRetries: true });
  beforeAll(() => env.register({ services: [graphs, plain] }));
  const call = async <T>(handler: string, key?: string, service = 'ThreadState'): Promise<T> => {
    const { invocationId } = await env.send({ service, handler, ...(key ? { key } : {}) });
    return env.attach<T>(invocationId, { timeoutMs: 60_000 });
  };

  it("LangGraph's updateState on a graph compiled with the saver, outside durableGraph", async () => {
    expect(await call('updateOutside', `outside-${mode}`)).toEqual(['hi']);
    const stored = await call<{ messages: BaseMessage[] }>('read', `outside-${mode}`);
    expect(stored.messages).toHaveLength(1);
  });

  it('durableGraph.invoke then deleteThread in one invocation leaves no checkpoint behind', async () => {
    expect(await call('invokeThenDelete', `delete-${mode}`)).toBe('ok');
    expect(await call('read', `delete-${mode}`)).toBeNull();
    const left = Object.keys(await env.state('ThreadState', `delete-${mode}`));
    expect(left.filter((key) => key.startsWith('langgraph:'))).toEqual([]);
  });

  it('getState, updateState and getStateHistory on DurableGraph', async () => {
    const result = await call<{
      messages: string[];
      checkpointId: string;
      latestId: string;
      history: number;
    }>('threadMethods', `methods-${mode}`);
    expect(result.messages).toEqual(['hi', 'hello', 'HELLO!', 'added later']);
    // updateState answers with the journaled checkpoint: the one getState reads back.
    expect(result.checkpointId).toBe(result.latestId);
    // The empty start, the input, greet, shout and the update.
    expect(result.history).toBe(5);
  });

  it('a run that throws still commits the checkpoints it made', async () => {
    expect(await call('throwing', `throwing-${mode}`)).toBe('second failed');
    const stored = await call<{ log: string[] }>('read', `throwing-${mode}`);
    expect(stored?.log).toEqual(['first']);
  });

  it('a stream stopped early still commits the checkpoints it made', async () => {
    expect(await call('stoppedStream', `stopped-${mode}`)).toEqual({ first: { log: ['first'] } });
    const stored = await call<{ log: string[] } | null>('read', `stopped-${mode}`);
    expect(stored?.log).toContain('first');
  });

  it('in a plain service: a clear error, or an invocation-scoped thread with checkpointer: false', async () => {
    const message = await call<string>('withState', undefined, 'PlainGraph');
    expect(message).toMatch(/Virtual Object.*restate\.object.*checkpointer: false/s);
    expect(await call('invocationScoped', undefined, 'PlainGraph')).toEqual([
      'hi',
      'hello',
      'HELLO!',
    ]);
  });
});
