/**
 * The agents of `pnpm bench:load`, one per adapter, each in two forms that make the same model and tool
 * calls: `durable` (the adapter on Restate) and `floor` (the same SDK loop with no Restate). The workload
 * is the bench's (workload.ts): K turns of ~300 chars + one `lookup` call, then a final answer, against the
 * scripted model, which answers after a simulated latency.
 *
 * Adapters are loaded lazily (only the ones a run asks for), so a quick run does not import every SDK.
 */
import type * as restate from '@restatedev/restate-sdk';
import { z } from 'zod';
import { openaiProvider, runAiSdkLoop } from './loops/ai-sdk-loop.ts';
import { openaiClient, runOpenAiLoop } from './loops/openai-loop.ts';
import {
  earlierHistory,
  parseConversation,
  SYSTEM_PROMPT,
  TOOL_NAME,
  toolResult,
  turnOfQuery,
  USER_PROMPT,
} from './workload.ts';

export interface LoadAgent {
  /** The adapter on Restate; returns what both forms must agree on. */
  durable: (ctx: restate.Context, conversation: string) => Promise<{ steps: number }>;
  /** The same loop, no Restate. */
  floor: (conversation: string) => Promise<{ steps: number }>;
}

/** Every adapter `pnpm bench:load` knows, in report order. */
export const LOAD_ADAPTERS = ['core', 'ai-sdk', 'openai-agents', 'langchain', 'langgraph'] as const;
export type LoadAdapter = (typeof LOAD_ADAPTERS)[number];

/** Restate service name of an adapter's durable agent. */
export function loadServiceName(adapter: string): string {
  return `Load_${adapter.replaceAll('-', '_')}`;
}

const LOOKUP_DESCRIPTION = 'Look up a fact in the knowledge base.';
const lookupArgs = z.object({ query: z.string() });

function expectSteps(k: number, steps: number): { steps: number } {
  if (steps !== k + 1) throw new Error(`expected ${k + 1} model calls, the loop made ${steps}`);
  return { steps };
}

async function coreAgent(modelUrl: string): Promise<LoadAgent> {
  const { durableStep } = await import('@restate-agents/core');
  const client = openaiClient(modelUrl);
  return {
    durable: (ctx, conversation) =>
      runOpenAiLoop({
        ...parseConversation(conversation),
        client,
        conversation,
        step: (name, action) => durableStep(ctx, name, action),
      }),
    floor: (conversation) =>
      runOpenAiLoop({ ...parseConversation(conversation), client, conversation }),
  };
}

async function aiSdkAgent(modelUrl: string): Promise<LoadAgent> {
  const { durableTools, withRestate } = await import('@restate-agents/ai-sdk');
  const provider = openaiProvider(modelUrl);
  return {
    durable: (ctx, conversation) =>
      runAiSdkLoop({
        ...parseConversation(conversation),
        model: provider.chat(conversation),
        prepare: (settings) =>
          withRestate(ctx, {
            ...settings,
            tools: durableTools(ctx, settings.tools as Parameters<typeof durableTools>[1]),
          } as never) as typeof settings,
      }),
    floor: (conversation) =>
      runAiSdkLoop({ ...parseConversation(conversation), model: provider.chat(conversation) }),
  };
}

async function openaiAgentsAgent(modelUrl: string): Promise<LoadAgent> {
  const { Agent, Runner, tool } = await import('@openai/agents-core');
  const { OpenAIProvider } = await import('@openai/agents-openai');
  const { DurableRunner, durableTool } = await import('@restate-agents/openai-agents');
  const modelProvider = new OpenAIProvider({
    baseURL: modelUrl,
    apiKey: 'scripted',
    useResponses: false,
  });
  const lookup = {
    name: TOOL_NAME,
    description: LOOKUP_DESCRIPTION,
    parameters: lookupArgs,
    execute: async ({ query }: { query: string }) => toolResult(turnOfQuery(query)),
  };
  const agent = (conversation: string, durable: boolean) =>
    new Agent({
      name: 'bench',
      instructions: SYSTEM_PROMPT,
      model: conversation,
      tools: [durable ? durableTool(lookup) : tool(lookup)],
    });
  const maxTurns = (conversation: string) => parseConversation(conversation).k + 2;
  const countModelCalls = (result: { rawResponses: unknown[] }) => result.rawResponses.length;
  const plainRunner = new Runner({ modelProvider });
  return {
    durable: async (ctx, conversation) => {
      const result = await new DurableRunner(ctx, { modelProvider }).run(
        agent(conversation, true),
        USER_PROMPT,
        { maxTurns: maxTurns(conversation) },
      );
      return expectSteps(parseConversation(conversation).k, countModelCalls(result));
    },
    floor: async (conversation) => {
      const result = await plainRunner.run(agent(conversation, false), USER_PROMPT, {
        maxTurns: maxTurns(conversation),
      });
      return expectSteps(parseConversation(conversation).k, countModelCalls(result));
    },
  };
}

async function langchainAgent(modelUrl: string): Promise<LoadAgent> {
  const { tool } = await import('@langchain/core/tools');
  const { HumanMessage, SystemMessage } = await import('@langchain/core/messages');
  const { ChatOpenAI } = await import('@langchain/openai');
  const { createAgent } = await import('langchain');
  const { durableTool, restateMiddleware } = await import('@restate-agents/langchain');
  const lookup = tool(async ({ query }) => toolResult(turnOfQuery(query)), {
    name: TOOL_NAME,
    description: LOOKUP_DESCRIPTION,
    schema: lookupArgs,
  });
  const model = (conversation: string) =>
    new ChatOpenAI({
      model: conversation,
      apiKey: 'scripted',
      maxRetries: 0,
      configuration: { baseURL: modelUrl },
    });
  const messages = (conversation: string) => [
    new SystemMessage(SYSTEM_PROMPT),
    ...earlierHistory(parseConversation(conversation).size).map((m) => new HumanMessage(m.content)),
    new HumanMessage(USER_PROMPT),
  ];
  const modelCalls = (state: { messages: Array<{ getType(): string }> }) =>
    state.messages.filter((m) => m.getType() === 'ai').length;
  return {
    durable: async (ctx, conversation) => {
      const agent = createAgent({
        model: model(conversation),
        tools: [durableTool(ctx, lookup)],
        middleware: [restateMiddleware(ctx)],
      });
      const state = await agent.invoke({ messages: messages(conversation) });
      return expectSteps(parseConversation(conversation).k, modelCalls(state));
    },
    floor: async (conversation) => {
      const agent = createAgent({ model: model(conversation), tools: [lookup] });
      const state = await agent.invoke({ messages: messages(conversation) });
      return expectSteps(parseConversation(conversation).k, modelCalls(state));
    },
  };
}

async function langgraphAgent(modelUrl: string): Promise<LoadAgent> {
  const { tool } = await import('@langchain/core/tools');
  const { HumanMessage, SystemMessage } = await import('@langchain/core/messages');
  const { ChatOpenAI } = await import('@langchain/openai');
  const { END, MessagesAnnotation, START, StateGraph } = await import('@langchain/langgraph');
  const { ToolNode, toolsCondition } = await import('@langchain/langgraph/prebuilt');
  const { durableStep } = await import('@restate-agents/core');
  const { durableChatModel } = await import('@restate-agents/langchain');
  const { durableGraph } = await import('@restate-agents/langgraph');
  const build = (conversation: string, ctx: restate.Context | undefined) => {
    const lookup = tool(
      async ({ query }) => {
        const body = async () => toolResult(turnOfQuery(query));
        return ctx === undefined ? body() : durableStep(ctx, `tool:${TOOL_NAME}`, body);
      },
      { name: TOOL_NAME, description: LOOKUP_DESCRIPTION, schema: lookupArgs },
    );
    const chat = new ChatOpenAI({
      model: conversation,
      apiKey: 'scripted',
      maxRetries: 0,
      configuration: { baseURL: modelUrl },
    });
    const model = (ctx === undefined ? chat : durableChatModel(ctx, chat)).bindTools([lookup]);
    return new StateGraph(MessagesAnnotation)
      .addNode('agent', async (state) => ({
        messages: [await model.invoke([new SystemMessage(SYSTEM_PROMPT), ...state.messages])],
      }))
      .addNode('tools', new ToolNode([lookup]))
      .addEdge(START, 'agent')
      .addConditionalEdges('agent', toolsCondition, ['tools', END])
      .addEdge('tools', 'agent')
      .compile();
  };
  const modelCalls = (state: { messages: Array<{ getType(): string }> }) =>
    state.messages.filter((m) => m.getType() === 'ai').length;
  return {
    durable: async (ctx, conversation) => {
      const graph = durableGraph(ctx, build(conversation, ctx), { checkpointer: false });
      const state = await graph.invoke({ messages: [new HumanMessage(USER_PROMPT)] });
      return expectSteps(parseConversation(conversation).k, modelCalls(state as never));
    },
    floor: async (conversation) => {
      const state = await build(conversation, undefined).invoke({
        messages: [new HumanMessage(USER_PROMPT)],
      });
      return expectSteps(parseConversation(conversation).k, modelCalls(state as never));
    },
  };
}

const factories: Record<LoadAdapter, (modelUrl: string) => Promise<LoadAgent>> = {
  core: coreAgent,
  'ai-sdk': aiSdkAgent,
  'openai-agents': openaiAgentsAgent,
  langchain: langchainAgent,
  langgraph: langgraphAgent,
};

export function loadAgent(adapter: LoadAdapter, modelUrl: string): Promise<LoadAgent> {
  return factories[adapter](modelUrl);
}
