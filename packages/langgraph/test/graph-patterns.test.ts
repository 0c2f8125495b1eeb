/**
 * LangGraph patterns from its docs, each through `durableGraph` on a real restate-server in normal and
 * always-replay mode (the handler runs again from the top after every journaled step, as after a crash):
 * the `messages`, `custom` and `debug` stream modes, a subgraph invoked from inside a node function,
 * `concurrency` above 1, and resuming from a past `checkpoint_id` (time travel). `ChatOpenAI` over HTTP to
 * the scripted model server; steps take real time.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AIMessage, type BaseMessage, HumanMessage } from '@langchain/core/messages';
import type { RunnableConfig } from '@langchain/core/runnables';
import {
  Annotation,
  type LangGraphRunnableConfig,
  MessagesAnnotation,
  START,
  StateGraph,
} from '@langchain/langgraph';
import { ChatOpenAI } from '@langchain/openai';
import { durableChatModel } from '@restate-agents/langchain';
import { useMockModel, useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { durableGraph, durableNodeStep } from '../src/index.js';

const model = useMockModel();

/** Side effects seen outside Restate, by object key. */
const effects = new Map<string, string[]>();
const effect = (key: string, what: string) => effects.set(key, [...(effects.get(key) ?? []), what]);

const chat = (ctx: restate.ObjectContext) =>
  durableChatModel(
    ctx,
    new ChatOpenAI({
      model: ctx.key,
      apiKey: 'scripted',
      maxRetries: 0,
      configuration: { baseURL: model.openaiBaseUrl },
    }),
  );

/** A model node that also reports progress through LangGraph's stream writer (`custom` mode). */
function streamingGraph(ctx: restate.ObjectContext) {
  const llm = chat(ctx);
  return new StateGraph(MessagesAnnotation)
    .addNode('agent', async (state, config: LangGraphRunnableConfig) => {
      config.writer?.({ progress: 'asking' });
      const answer = await llm.invoke(state.messages);
      config.writer?.({ progress: 'answered' });
      return { messages: [answer] };
    })
    .addEdge(START, 'agent')
    .compile();
}

/** A node whose function invokes a compiled subgraph (not added as a node): model, then a step. */
function subgraphInNode(ctx: restate.ObjectContext) {
  const key = ctx.key;
  const llm = chat(ctx);
  const inner = new StateGraph(MessagesAnnotation)
    .addNode('draft', async (state) => ({ messages: [await llm.invoke(state.messages)] }))
    .addNode('file', async () => {
      const receipt = await durableNodeStep(ctx, 'file', async () => {
        await sleep(30);
        effect(key, 'file');
        return 'filed';
      });
      return { messages: [new AIMessage(receipt)] };
    })
    .addEdge(START, 'draft')
    .addEdge('draft', 'file')
    .compile();
  return new StateGraph(MessagesAnnotation)
    .addNode('outer', async (state) => {
      const result = await inner.invoke({ messages: state.messages });
      return { messages: result.messages.slice(state.messages.length) };
    })
    .addEdge(START, 'outer')
    .compile();
}

/** A node invoking a subgraph with two parallel branches, each a step: refused with a clear error. */
function parallelSubgraphInNode(ctx: restate.ObjectContext) {
  const branch = (name: string) => async () => ({
    log: [await durableNodeStep(ctx, name, () => sleep(50).then(() => name))],
  });
  const inner = new StateGraph(Log)
    .addNode('left', branch('left'))
    .addNode('right', branch('right'))
    .addEdge(START, 'left')
    .addEdge(START, 'right')
    .compile();
  return new StateGraph(Log)
    .addNode('outer', async () => ({ log: (await inner.invoke({})).log }))
    .addEdge(START, 'outer')
    .compile();
}

const Log = Annotation.Root({
  log: Annotation<string[]>({ reducer: (left, right) => left.concat(right), default: () => [] }),
});

/** Two branches of one superstep, each one durable step started at once (what concurrency > 1 needs). */
function twoBranches(ctx: restate.ObjectContext) {
  const key = ctx.key;
  const branch = (name: string, ms: number) => async () => {
    const done = await durableNodeStep(ctx, name, async () => {
      effect(key, `start:${name}`);
      await sleep(ms);
      effect(key, `end:${name}`);
      return `${name} done`;
    });
    return { log: [done] };
  };
  return new StateGraph(Log)
    .addNode('slow', branch('slow', 300))
    .addNode('fast', branch('fast', 30))
    .addEdge(START, 'slow')
    .addEdge(START, 'fast')
    .compile();
}

/** A → B, each a step: replaying from the checkpoint before B runs B again (LangGraph's time travel). */
function twoSteps(ctx: restate.ObjectContext) {
  const key = ctx.key;
  const node = (name: string) => async () => {
    const count = await durableNodeStep(ctx, name, async () => {
      await sleep(20);
      effect(key, name);
      return (effects.get(key) ?? []).filter((seen) => seen === name).length;
    });
    return { log: [`${name}${count}`] };
  };
  return new StateGraph(Log)
    .addNode('a', node('a'))
    .addNode('b', node('b'))
    .addEdge(START, 'a')
    .addEdge('a', 'b')
    .compile();
}

const service = restate.object({
  name: 'GraphPatterns',
  handlers: {
    async stream(ctx: restate.ObjectContext, mode: 'messages' | 'custom' | 'debug') {
      const graph = durableGraph(ctx, streamingGraph(ctx));
      const chunks: unknown[] = [];
      for await (const chunk of graph.stream(
        { messages: [new HumanMessage('hi')] },
        { streamMode: mode },
      )) {
        if (mode === 'messages') {
          const [message, metadata] = chunk as [BaseMessage, Record<string, unknown>];
          chunks.push(`${message.text}@${String(metadata.langgraph_node)}`);
        } else if (mode === 'debug') {
          chunks.push((chunk as { type: string }).type);
        } else {
          chunks.push(chunk);
        }
      }
      return chunks;
    },
    async subgraph(ctx: restate.ObjectContext): Promise<string[]> {
      const state = await durableGraph(ctx, subgraphInNode(ctx)).invoke({
        messages: [new HumanMessage('file it')],
      });
      return (state.messages as BaseMessage[]).map((message) => message.text);
    },
    async parallelSubgraph(ctx: restate.ObjectContext): Promise<string[]> {
      return (await durableGraph(ctx, parallelSubgraphInNode(ctx)).invoke({})).log;
    },
    async concurrent(ctx: restate.ObjectContext): Promise<string[]> {
      const state = await durableGraph(ctx, twoBranches(ctx), { concurrency: 2 }).invoke({});
      return state.log;
    },
    async first(ctx: restate.ObjectContext): Promise<string[]> {
      const state = await durableGraph(ctx, twoSteps(ctx)).invoke({}, { durability: 'sync' });
      return state.log;
    },
    async travel(ctx: restate.ObjectContext): Promise<string[]> {
      const graph = durableGraph(ctx, twoSteps(ctx));
      // The checkpoint whose next node is `b`: replaying from it runs `b` again, not `a`.
      let before: RunnableConfig | undefined;
      for await (const snapshot of graph.getStateHistory()) {
        if (snapshot.next.includes('b')) before = snapshot.config;
      }
      const state = await graph.invoke(null, {
        configurable: { checkpoint_id: before?.configurable?.checkpoint_id },
        durability: 'sync',
      });
      return state.log;
    },
  },
});

describe.each([
  { mode: 'normal', alwaysReplay: false },
  { mode: 'always-replay', alwaysReplay: true },
])('LangGraph patterns through durableGraph ($mode)', ({ mode, alwaysReplay }) => {
  const env = useRestate({ alwaysReplay, disableRetries: true });
  beforeAll(() => env.register({ services: [service] }));
  const run = async <T>(handler: string, key: string, input?: unknown): Promise<T> => {
    const { invocationId } = await env.send({ service: 'GraphPatterns', handler, key }, input);
    return env.attach<T>(invocationId, { timeoutMs: 60_000 });
  };

  it("stream with streamMode 'messages': the journaled answer, tagged with its node, once", async () => {
    const key = `messages-${mode}`;
    model.conversation(key, [{ delayMs: 50, text: 'hello there' }]);
    const chunks = await run<string[]>('stream', key, 'messages');
    expect(chunks.filter((chunk) => chunk === 'hello there@agent')).toHaveLength(1);
    expect(model.requestsFor(key)).toHaveLength(1);
  });

  it("stream with streamMode 'custom': what the node wrote, in order", async () => {
    const key = `custom-${mode}`;
    model.conversation(key, [{ delayMs: 50, text: 'hello there' }]);
    expect(await run('stream', key, 'custom')).toEqual([
      { progress: 'asking' },
      { progress: 'answered' },
    ]);
    expect(model.requestsFor(key)).toHaveLength(1);
  });

  it("stream with streamMode 'debug': checkpoints, the task and its result", async () => {
    const key = `debug-${mode}`;
    model.conversation(key, [{ delayMs: 50, text: 'hello there' }]);
    const types = await run<string[]>('stream', key, 'debug');
    expect(types).toContain('task');
    expect(types).toContain('task_result');
    expect(model.requestsFor(key)).toHaveLength(1);
  });

  it('a subgraph invoked from inside a node: its model call and step run once', async () => {
    const key = `subgraph-${mode}`;
    model.conversation(key, [{ delayMs: 50, text: 'draft ready' }]);
    expect(await run('subgraph', key)).toEqual(['file it', 'draft ready', 'filed']);
    expect(effects.get(key)).toEqual(['file']);
    expect(model.requestsFor(key)).toHaveLength(1);
  });

  it('a subgraph with parallel branches invoked from inside a node is refused, naming what to do', async () => {
    await expect(run('parallelSubgraph', `parallel-subgraph-${mode}`)).rejects.toThrow(
      /cannot order the parallel tasks of a subgraph invoked from inside a node.*addNode\(name, subgraph\)/,
    );
  });

  it('concurrency 2: the two branches overlap, each step once', async () => {
    const key = `concurrent-${mode}`;
    expect((await run<string[]>('concurrent', key)).sort()).toEqual(['fast done', 'slow done']);
    const seen = effects.get(key) ?? [];
    expect(seen.filter((what) => what.startsWith('start:')).sort()).toEqual([
      'start:fast',
      'start:slow',
    ]);
    // Both started before the slow one ended: they ran side by side.
    expect(seen.indexOf('start:fast')).toBeLessThan(seen.indexOf('end:slow'));
    expect(seen.indexOf('start:slow')).toBeLessThan(seen.indexOf('end:fast'));
    expect(seen).toHaveLength(4);
  });

  it('resuming from a past checkpoint_id runs the nodes after it again, not the ones before', async () => {
    const key = `travel-${mode}`;
    expect(await run('first', key)).toEqual(['a1', 'b1']);
    expect(await run('travel', key)).toEqual(['a1', 'b2']);
    expect(effects.get(key)).toEqual(['a', 'b', 'b']);
  });
});
