/**
 * The graph LangGraph's docs teach first: an `agent` node calling a model with tools bound, the prebuilt
 * `ToolNode` and `toolsCondition`, with `ChatOpenAI` over HTTP to the scripted model server. The model
 * asks for two tool calls in one message, and the model and the tools take time, as real ones do.
 * Run in normal and in always-replay mode.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AIMessage, type BaseMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import {
  Annotation,
  Command,
  END,
  MessagesAnnotation,
  START,
  StateGraph,
} from '@langchain/langgraph';
import { ToolNode, toolsCondition } from '@langchain/langgraph/prebuilt';
import { ChatOpenAI } from '@langchain/openai';
import { durableStep } from '@restate-agents/core';
import { durableChatModel, durableTool } from '@restate-agents/langchain';
import { useMockModel, useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { durableGraph } from '../src/index.js';

const model = useMockModel();

/** Side effects seen outside Restate, by object key. */
const effects = new Map<string, string[]>();
const effect = (key: string, what: string) => effects.set(key, [...(effects.get(key) ?? []), what]);

/** agent → toolsCondition → ToolNode → agent, as in LangGraph's quickstart. */
function reactGraph(ctx: restate.ObjectContext) {
  const key = ctx.key;
  const tools = [
    // A tool whose body is one side effect, made durable by wrapping it.
    durableTool(
      ctx,
      tool(
        async ({ city }) => {
          await sleep(city === 'Oslo' ? 200 : 20);
          effect(key, `weather:${city}`);
          return `sunny in ${city}`;
        },
        {
          name: 'weather',
          description: 'Weather in a city',
          schema: z.object({ city: z.string() }),
        },
      ),
    ),
    // A tool that journals its own step after some plain async work.
    tool(
      async ({ id }) => {
        await sleep(id === 'slow' ? 150 : 10);
        await durableStep(ctx, `record:${id}`, () => effect(key, `record:${id}`));
        return `recorded ${id}`;
      },
      { name: 'record', description: 'Record an id', schema: z.object({ id: z.string() }) },
    ),
  ];
  const chat = durableChatModel(
    ctx,
    new ChatOpenAI({
      model: key,
      apiKey: 'scripted',
      maxRetries: 0,
      configuration: { baseURL: model.openaiBaseUrl },
    }),
  ).bindTools(tools);
  return new StateGraph(MessagesAnnotation)
    .addNode('agent', async (state) => ({ messages: [await chat.invoke(state.messages)] }))
    .addNode('tools', new ToolNode(tools))
    .addEdge(START, 'agent')
    .addConditionalEdges('agent', toolsCondition, ['tools', END])
    .addEdge('tools', 'agent')
    .compile();
}

/** A tool that updates the graph state with a `Command`, as LangGraph's "update state from tools" how-to. */
const HandoffState = Annotation.Root({
  ...MessagesAnnotation.spec,
  user: Annotation<string>,
});
function commandGraph(ctx: restate.ObjectContext) {
  const lookup = durableTool(
    ctx,
    tool(
      (_input, config: { toolCall?: { id?: string } }) =>
        new Command({
          update: {
            user: 'Ada',
            messages: [
              new ToolMessage({ content: 'found Ada', tool_call_id: config.toolCall?.id ?? '' }),
            ],
          },
        }),
      { name: 'lookup', description: 'Look up the user', schema: z.object({}) },
    ),
  );
  return new StateGraph(HandoffState)
    .addNode('agent', (state) =>
      state.messages.some((message) => message.type === 'tool')
        ? { messages: [new AIMessage('done')] }
        : {
            messages: [
              new AIMessage({
                content: '',
                tool_calls: [{ id: 'call_1', name: 'lookup', args: {}, type: 'tool_call' }],
              }),
            ],
          },
    )
    .addNode('tools', new ToolNode([lookup]))
    .addEdge(START, 'agent')
    .addConditionalEdges('agent', toolsCondition, ['tools', END])
    .addEdge('tools', 'agent')
    .compile();
}

const service = restate.object({
  name: 'ReactGraph',
  handlers: {
    async command(ctx: restate.ObjectContext): Promise<{ user: string; messages: string[] }> {
      const state = await durableGraph(ctx, commandGraph(ctx)).invoke({
        messages: [new HumanMessage('who am I?')],
      });
      return {
        user: state.user,
        messages: (state.messages as BaseMessage[]).map(
          (message) => `${message.type}:${message.text}`,
        ),
      };
    },
    async run(ctx: restate.ObjectContext, prompt: string): Promise<string[]> {
      const state = await durableGraph(ctx, reactGraph(ctx)).invoke({
        messages: [new HumanMessage(prompt)],
      });
      return (state.messages as BaseMessage[]).map((message) => `${message.type}:${message.text}`);
    },
  },
});

describe.each([
  { mode: 'normal', alwaysReplay: false },
  { mode: 'always-replay', alwaysReplay: true },
])('ToolNode + toolsCondition ($mode)', ({ mode, alwaysReplay }) => {
  const env = useRestate({ alwaysReplay, disableRetries: true });
  beforeAll(() => env.register({ services: [service] }));

  it('runs two tool calls of one message once each, in model order', async () => {
    const key = `two-calls-${mode}`;
    model.conversation(key, [
      {
        delayMs: 50,
        toolCalls: [
          { name: 'weather', arguments: { city: 'Oslo' } },
          { name: 'weather', arguments: { city: 'Lima' } },
          { name: 'record', arguments: { id: 'slow' } },
          { name: 'record', arguments: { id: 'fast' } },
        ],
      },
      { delayMs: 50, text: 'all done' },
    ]);
    const { invocationId } = await env.send(
      { service: 'ReactGraph', handler: 'run', key },
      'weather and records',
    );
    const messages = await env.attach<string[]>(invocationId, { timeoutMs: 60_000 });
    expect(messages).toEqual([
      'human:weather and records',
      'ai:',
      'tool:sunny in Oslo',
      'tool:sunny in Lima',
      'tool:recorded slow',
      'tool:recorded fast',
      'ai:all done',
    ]);
    // Each side effect ran once, in the order the model asked for them.
    expect(effects.get(key)).toEqual([
      'weather:Oslo',
      'weather:Lima',
      'record:slow',
      'record:fast',
    ]);
    expect(model.requestsFor(key)).toHaveLength(2);
    const steps = (await env.journal(invocationId))
      .filter((entry) => entry.kind === 'command' && entry.type === 'Run')
      .map((entry) => entry.name);
    expect(steps.filter((name) => name?.startsWith('record:'))).toEqual([
      'record:slow',
      'record:fast',
    ]);
  });

  // durableTool journals the Command and rebuilds it with LangGraph's class, so LangGraph applies it.
  it('a durable tool returning a Command updates the graph state', async () => {
    const { invocationId } = await env.send({
      service: 'ReactGraph',
      handler: 'command',
      key: `command-${mode}`,
    });
    expect(await env.attach(invocationId, { timeoutMs: 60_000 })).toEqual({
      user: 'Ada',
      messages: ['human:who am I?', 'ai:', 'tool:found Ada', 'ai:done'],
    });
  });
});
