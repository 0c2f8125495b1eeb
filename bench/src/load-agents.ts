/**
 * The agents of `pnpm bench:load`, one per adapter, each in three forms that make the same model and tool
 * calls: `durable` (the adapter on Restate), `hand` (the same SDK loop hand-wired with one `ctx.run` around
 * each model call and each tool call, default JSON serde: the honest floor of durability on Restate) and
 * `floor` (the same SDK loop with no Restate). The workload
 * is the bench's (workload.ts): K turns of ~300 chars + one `lookup` call, then a final answer, against the
 * scripted model, which answers after a simulated latency.
 *
 * Adapters are loaded lazily (only the ones a run asks for), so a quick run does not import every SDK.
 */
import type { BaseMessage } from '@langchain/core/messages';
import type * as restate from '@restatedev/restate-sdk';
import OpenAI from 'openai';
import { z } from 'zod';
import { openaiProvider, runAiSdkLoop } from './loops/ai-sdk-loop.ts';
import { handWiredAiSdkModel } from './loops/hand-wired.ts';
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

/** What `pnpm bench` hooks into a run (the load bench passes nothing). */
export interface RunHooks {
  /** Called inside the tool body when it really runs (not on replay): tracing and crash points. */
  onToolLive?: (turn: number) => void;
}

export interface LoadAgent {
  /** The adapter on Restate; returns what both forms must agree on. */
  durable: (
    ctx: restate.Context,
    conversation: string,
    hooks?: RunHooks,
  ) => Promise<{ steps: number }>;
  /** The same loop with `ctx.run` around each model and tool call, nothing else. */
  hand: (
    ctx: restate.Context,
    conversation: string,
    hooks?: RunHooks,
  ) => Promise<{ steps: number }>;
  /** The same loop, no Restate. */
  floor: (conversation: string, hooks?: RunHooks) => Promise<{ steps: number }>;
}

/** Every adapter `pnpm bench:load` knows, in report order. */
export const LOAD_ADAPTERS = [
  'core',
  'ai-sdk',
  'openai-agents',
  'langchain',
  'langgraph',
  'mastra',
  'google-adk',
] as const;
export type LoadAdapter = (typeof LOAD_ADAPTERS)[number];

/** Restate service name of an adapter's durable or hand-wired agent. */
export function loadServiceName(adapter: string, form: 'durable' | 'hand'): string {
  return `Load_${form}_${adapter.replaceAll('-', '_')}`;
}

/**
 * Retries of a model call in the no-Restate agents: the durable ones retry a failed call as a step (a
 * connection the model server dropped under load), so the floor gets its SDK's own retries, or one dropped
 * connection would fail a whole agent there and not here.
 */
const FLOOR_RETRIES = 2;

const LOOKUP_DESCRIPTION = 'Look up a fact in the knowledge base.';
const lookupArgs = z.object({ query: z.string() });

/**
 * LangGraph's recursion limit for K turns: a turn is two graph steps (createAgent's model and tools nodes;
 * restateMiddleware adds no node), with room to spare; the default of 25 would stop `pnpm bench`'s K = 10.
 */
const recursionLimit = (conversation: string) => 4 * parseConversation(conversation).k + 10;

function expectSteps(k: number, steps: number): { steps: number } {
  if (steps !== k + 1) throw new Error(`expected ${k + 1} model calls, the loop made ${steps}`);
  return { steps };
}

async function coreAgent(modelUrl: string): Promise<LoadAgent> {
  const { durableStep } = await import('@restate-agents/core');
  const client = openaiClient(modelUrl);
  const floorClient = new OpenAI({
    baseURL: modelUrl,
    apiKey: 'scripted',
    maxRetries: FLOOR_RETRIES,
  });
  return {
    durable: (ctx, conversation) =>
      runOpenAiLoop({
        ...parseConversation(conversation),
        client,
        conversation,
        step: (name, action) => durableStep(ctx, name, action),
      }),
    hand: (ctx, conversation) =>
      runOpenAiLoop({
        ...parseConversation(conversation),
        client,
        conversation,
        step: (name, action) => ctx.run(name, action),
      }),
    floor: (conversation) =>
      runOpenAiLoop({ ...parseConversation(conversation), client: floorClient, conversation }),
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
    hand: (ctx, conversation) =>
      runAiSdkLoop({
        ...parseConversation(conversation),
        model: handWiredAiSdkModel(ctx, provider.chat(conversation)),
        runTool: (_turn, body) => ctx.run(`tool:${TOOL_NAME}`, body),
      }),
    floor: (conversation) =>
      runAiSdkLoop({
        ...parseConversation(conversation),
        model: provider.chat(conversation),
        prepare: (settings) => ({ ...settings, maxRetries: FLOOR_RETRIES }),
      }),
  };
}

async function openaiAgentsAgent(modelUrl: string): Promise<LoadAgent> {
  const { Agent, Runner, tool, Usage } = await import('@openai/agents-core');
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
  // Tracing off in every form, as DurableRunner sets it: otherwise the SDK's span export (work the durable
  // form does not do) would be counted against the two forms it is compared with.
  const plainRunner = new Runner({ modelProvider, tracingDisabled: true });
  // Hand-wired: the provider's model with ctx.run around getResponse; Usage rebuilt from its JSON.
  const handProvider = (ctx: restate.Context) => ({
    getModel: async (name?: string) => {
      const inner = await modelProvider.getModel(name);
      return {
        getResponse: async (request: Parameters<typeof inner.getResponse>[0]) => {
          const response = await ctx.run('model', () => inner.getResponse(request));
          return { ...response, usage: Usage.fromJSON(response.usage as never) };
        },
        getStreamedResponse: () => {
          throw new Error('not used by the bench');
        },
      };
    },
  });
  const handLookup = (ctx: restate.Context) =>
    tool({
      ...lookup,
      execute: ({ query }: { query: string }) =>
        ctx.run(`tool:${TOOL_NAME}`, async () => toolResult(turnOfQuery(query))),
    });
  return {
    hand: async (ctx, conversation) => {
      const handAgent = new Agent({
        name: 'bench',
        instructions: SYSTEM_PROMPT,
        model: conversation,
        tools: [handLookup(ctx)],
      });
      const result = await new Runner({
        modelProvider: handProvider(ctx) as never,
        tracingDisabled: true,
      }).run(handAgent, USER_PROMPT, { maxTurns: maxTurns(conversation) });
      return expectSteps(parseConversation(conversation).k, countModelCalls(result));
    },
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
  const {
    HumanMessage,
    mapChatMessagesToStoredMessages,
    mapStoredMessagesToChatMessages,
    SystemMessage,
  } = await import('@langchain/core/messages');
  const { ChatOpenAI } = await import('@langchain/openai');
  const { createAgent, createMiddleware } = await import('langchain');
  const { durableTool, restateMiddleware } = await import('@restate-agents/langchain');
  // Built per run in every form (the hand-wired one needs `ctx` in it), so all three pay the same.
  const toolBody = (query: string, hooks: RunHooks | undefined) => async () => {
    hooks?.onToolLive?.(turnOfQuery(query));
    return toolResult(turnOfQuery(query));
  };
  const lookup = (hooks: RunHooks | undefined) =>
    tool(({ query }) => toolBody(query, hooks)(), {
      name: TOOL_NAME,
      description: LOOKUP_DESCRIPTION,
      schema: lookupArgs,
    });
  const model = (conversation: string, maxRetries = 0) =>
    new ChatOpenAI({
      model: conversation,
      apiKey: 'scripted',
      maxRetries,
      configuration: { baseURL: modelUrl },
    });
  const messages = (conversation: string) => [
    new SystemMessage(SYSTEM_PROMPT),
    ...earlierHistory(parseConversation(conversation).size).map((m) => new HumanMessage(m.content)),
    new HumanMessage(USER_PROMPT),
  ];
  const modelCalls = (state: { messages: Array<{ getType(): string }> }) =>
    state.messages.filter((m) => m.getType() === 'ai').length;
  // Hand-wired: ctx.run around the model call (the message journaled as LangChain's stored form) and
  // around the tool body.
  const handMiddleware = (ctx: restate.Context) =>
    createMiddleware({
      name: 'HandWiredCtxRun',
      wrapModelCall: async (request, handler) => {
        const stored = await ctx.run('model', async () =>
          mapChatMessagesToStoredMessages([(await handler(request)) as never]),
        );
        return mapStoredMessagesToChatMessages(stored)[0] as never;
      },
    });
  const handLookup = (ctx: restate.Context, hooks: RunHooks | undefined) =>
    tool(({ query }) => ctx.run(`tool:${TOOL_NAME}`, toolBody(query, hooks)), {
      name: TOOL_NAME,
      description: LOOKUP_DESCRIPTION,
      schema: lookupArgs,
    });
  const invoke = async (agent: ReturnType<typeof createAgent>, conversation: string) => {
    const state = await agent.invoke(
      { messages: messages(conversation) },
      { recursionLimit: recursionLimit(conversation) },
    );
    return expectSteps(parseConversation(conversation).k, modelCalls(state as never));
  };
  return {
    hand: (ctx, conversation, hooks) =>
      invoke(
        createAgent({
          model: model(conversation),
          tools: [handLookup(ctx, hooks)],
          middleware: [handMiddleware(ctx)],
        }),
        conversation,
      ),
    durable: (ctx, conversation, hooks) =>
      invoke(
        createAgent({
          model: model(conversation),
          tools: [durableTool(ctx, lookup(hooks))],
          middleware: [restateMiddleware(ctx)],
        }),
        conversation,
      ),
    floor: (conversation, hooks) =>
      invoke(
        createAgent({ model: model(conversation, FLOOR_RETRIES), tools: [lookup(hooks)] }),
        conversation,
      ),
  };
}

async function langgraphAgent(modelUrl: string): Promise<LoadAgent> {
  const { tool } = await import('@langchain/core/tools');
  const {
    HumanMessage,
    mapChatMessagesToStoredMessages,
    mapStoredMessagesToChatMessages,
    SystemMessage,
  } = await import('@langchain/core/messages');
  const { ChatOpenAI } = await import('@langchain/openai');
  const { END, MessagesAnnotation, START, StateGraph } = await import('@langchain/langgraph');
  const { ToolNode, toolsCondition } = await import('@langchain/langgraph/prebuilt');
  const { durableStep } = await import('@restate-agents/core');
  const { durableChatModel } = await import('@restate-agents/langchain');
  const { durableGraph } = await import('@restate-agents/langgraph');
  type Form = 'durable' | 'hand';
  const build = (
    conversation: string,
    ctx: restate.Context | undefined,
    form: Form = 'durable',
    hooks?: RunHooks,
  ) => {
    const lookup = tool(
      async ({ query }) => {
        const body = async () => {
          hooks?.onToolLive?.(turnOfQuery(query));
          return toolResult(turnOfQuery(query));
        };
        if (ctx === undefined) return body();
        return form === 'hand'
          ? ctx.run(`tool:${TOOL_NAME}`, body)
          : durableStep(ctx, `tool:${TOOL_NAME}`, body);
      },
      { name: TOOL_NAME, description: LOOKUP_DESCRIPTION, schema: lookupArgs },
    );
    const chat = new ChatOpenAI({
      model: conversation,
      apiKey: 'scripted',
      maxRetries: ctx === undefined ? FLOOR_RETRIES : 0,
      configuration: { baseURL: modelUrl },
    });
    const model = (
      ctx === undefined || form === 'hand' ? chat : durableChatModel(ctx, chat)
    ).bindTools([lookup]);
    const call = (messages: BaseMessage[]) =>
      model.invoke([new SystemMessage(SYSTEM_PROMPT), ...messages]);
    return new StateGraph(MessagesAnnotation)
      .addNode('agent', async (state) => {
        if (ctx === undefined || form === 'durable')
          return { messages: [await call(state.messages)] };
        // Hand-wired: ctx.run around the model call, the message journaled as LangChain's stored form.
        const stored = await ctx.run('model', async () =>
          mapChatMessagesToStoredMessages([await call(state.messages)]),
        );
        return { messages: mapStoredMessagesToChatMessages(stored) };
      })
      .addNode('tools', new ToolNode([lookup]))
      .addEdge(START, 'agent')
      .addConditionalEdges('agent', toolsCondition, ['tools', END])
      .addEdge('tools', 'agent')
      .compile();
  };
  const modelCalls = (state: { messages: Array<{ getType(): string }> }) =>
    state.messages.filter((m) => m.getType() === 'ai').length;
  const input = (conversation: string) => ({
    messages: [
      ...earlierHistory(parseConversation(conversation).size).map(
        (m) => new HumanMessage(m.content),
      ),
      new HumanMessage(USER_PROMPT),
    ],
  });
  const options = (conversation: string) => ({ recursionLimit: recursionLimit(conversation) });
  return {
    hand: async (ctx, conversation, hooks) => {
      const state = await build(conversation, ctx, 'hand', hooks).invoke(
        input(conversation),
        options(conversation),
      );
      return expectSteps(parseConversation(conversation).k, modelCalls(state as never));
    },
    durable: async (ctx, conversation, hooks) => {
      const graph = durableGraph(ctx, build(conversation, ctx, 'durable', hooks), {
        checkpointer: false,
      });
      const state = await graph.invoke(input(conversation), options(conversation));
      return expectSteps(parseConversation(conversation).k, modelCalls(state as never));
    },
    floor: async (conversation, hooks) => {
      const state = await build(conversation, undefined, 'durable', hooks).invoke(
        input(conversation),
        options(conversation),
      );
      return expectSteps(parseConversation(conversation).k, modelCalls(state as never));
    },
  };
}

/**
 * Mastra as its docs write an agent: an `Agent` with `createTool` tools and an AI SDK model (here
 * `@ai-sdk/openai` pointed at the scripted model), run with `generate()`. Durable: `durableModel` +
 * `durableTool` + `durableAgent`. Mastra's `generate()` calls the model's `doGenerate`, which the hand-wired
 * model runs in `ctx.run` as the AI SDK's does.
 */
async function mastraAgent(modelUrl: string): Promise<LoadAgent> {
  const { Agent } = await import('@mastra/core/agent');
  const { createTool } = await import('@mastra/core/tools');
  const { durableAgent, durableModel, durableTool } = await import('@restate-agents/mastra');
  const provider = openaiProvider(modelUrl);
  const lookup = (execute: (query: string) => Promise<string>) =>
    createTool({
      id: TOOL_NAME,
      description: LOOKUP_DESCRIPTION,
      inputSchema: lookupArgs,
      execute: ({ query }) => execute(query),
    });
  const body = (query: string, hooks: RunHooks | undefined) => async () => {
    hooks?.onToolLive?.(turnOfQuery(query));
    return toolResult(turnOfQuery(query));
  };
  const agent = (model: unknown, tool: ReturnType<typeof lookup>) =>
    new Agent({
      id: 'bench',
      name: 'bench',
      instructions: SYSTEM_PROMPT,
      model: model as never,
      tools: { [TOOL_NAME]: tool },
    });
  const maxSteps = (conversation: string) => parseConversation(conversation).k + 2;
  const steps = (conversation: string, result: { steps: unknown[] }) =>
    expectSteps(parseConversation(conversation).k, result.steps.length);
  return {
    durable: async (ctx, conversation, hooks) => {
      const mastra = agent(
        durableModel(ctx, provider.chat(conversation)),
        durableTool(lookup((query) => body(query, hooks)())),
      );
      const result = await durableAgent(ctx, mastra).generate(USER_PROMPT, {
        maxSteps: maxSteps(conversation),
      });
      return steps(conversation, result);
    },
    hand: async (ctx, conversation, hooks) => {
      const mastra = agent(
        handWiredAiSdkModel(ctx, provider.chat(conversation)),
        lookup((query) => ctx.run(`tool:${TOOL_NAME}`, body(query, hooks))),
      );
      const result = await mastra.generate(USER_PROMPT, {
        maxSteps: maxSteps(conversation),
        modelSettings: { maxRetries: 0 },
      });
      return steps(conversation, result);
    },
    floor: async (conversation, hooks) => {
      const mastra = agent(
        provider.chat(conversation),
        lookup((query) => body(query, hooks)()),
      );
      const result = await mastra.generate(USER_PROMPT, {
        maxSteps: maxSteps(conversation),
        modelSettings: { maxRetries: FLOOR_RETRIES },
      });
      return steps(conversation, result);
    },
  };
}

/**
 * Google ADK as its docs write an agent: an `LlmAgent` with `FunctionTool`s and a `Gemini` model (reaching
 * the scripted model's Gemini API; the conversation rides in a header, since a Gemini model name cannot hold
 * one), run by a `Runner` over a session. Every form keeps the session in ADK's `InMemorySessionService`,
 * fresh per run, so all three make the same calls; durable: `withRestate` + `durableTool` + `RestatePlugin` +
 * `runDurably` (a Virtual Object would keep the session in `RestateSessionService`, which writes state too).
 */
async function googleAdkAgent(modelUrl: string): Promise<LoadAgent> {
  const { FunctionTool, Gemini, InMemorySessionService, LlmAgent, Runner } = await import(
    '@google/adk'
  );
  const { durableTool, RestatePlugin, runDurably, withRestate } = await import(
    '@restate-agents/google-adk'
  );
  const { handWiredAdkModel } = await import('./loops/adk-hand-wired.ts');
  // The scripted model serves the Gemini API at its root (the OpenAI one under /v1).
  const baseUrl = modelUrl.replace(/\/v1\/?$/, '');
  type Model = InstanceType<typeof Gemini>;
  const gemini = () => new Gemini({ model: 'bench', apiKey: 'scripted' });
  const lookup = (execute: (query: string) => Promise<string>) =>
    new FunctionTool({
      name: TOOL_NAME,
      description: LOOKUP_DESCRIPTION,
      parameters: lookupArgs,
      execute: ({ query }) => execute(query),
    });
  const body = (query: string, hooks: RunHooks | undefined) => async () => {
    hooks?.onToolLive?.(turnOfQuery(query));
    return toolResult(turnOfQuery(query));
  };
  const agent = (
    conversation: string,
    model: Model | ReturnType<typeof handWiredAdkModel>,
    tool: InstanceType<typeof FunctionTool>,
    attempts: number,
  ) =>
    new LlmAgent({
      name: 'bench',
      instruction: SYSTEM_PROMPT,
      model,
      generateContentConfig: {
        httpOptions: {
          baseUrl,
          headers: { 'x-mock-conversation': conversation },
          retryOptions: { attempts },
        },
      },
      tools: [tool],
    });
  const params = {
    userId: 'bench',
    sessionId: 'bench',
    newMessage: { role: 'user', parts: [{ text: USER_PROMPT }] },
  };
  // Model calls: the model's answers (not partial), as the other forms count them.
  const modelCalls = (events: Array<{ content?: { role?: string }; partial?: boolean }>) =>
    events.filter((event) => event.content?.role === 'model' && event.partial !== true).length;
  const drain = async (runner: InstanceType<typeof Runner>) => {
    await runner.sessionService.createSession({
      appName: 'bench',
      userId: 'bench',
      sessionId: 'bench',
    });
    const events = [];
    for await (const event of runner.runAsync(params)) events.push(event);
    return events;
  };
  return {
    durable: async (ctx, conversation, hooks) => {
      const runner = new Runner({
        appName: 'bench',
        agent: withRestate(
          ctx,
          agent(conversation, gemini(), durableTool(lookup((query) => body(query, hooks)())), 1),
        ),
        sessionService: new InMemorySessionService(),
        plugins: [new RestatePlugin(ctx)],
      });
      const { events } = await runDurably(runner, params);
      return expectSteps(parseConversation(conversation).k, modelCalls(events));
    },
    hand: async (ctx, conversation, hooks) => {
      const runner = new Runner({
        appName: 'bench',
        agent: agent(
          conversation,
          handWiredAdkModel(ctx, gemini()),
          lookup((query) => ctx.run(`tool:${TOOL_NAME}`, body(query, hooks))),
          1,
        ),
        sessionService: new InMemorySessionService(),
      });
      const events = await drain(runner);
      return expectSteps(parseConversation(conversation).k, modelCalls(events));
    },
    floor: async (conversation, hooks) => {
      const runner = new Runner({
        appName: 'bench',
        agent: agent(
          conversation,
          gemini(),
          lookup((query) => body(query, hooks)()),
          FLOOR_RETRIES + 1,
        ),
        sessionService: new InMemorySessionService(),
      });
      const events = await drain(runner);
      return expectSteps(parseConversation(conversation).k, modelCalls(events));
    },
  };
}

const factories: Record<LoadAdapter, (modelUrl: string) => Promise<LoadAgent>> = {
  core: coreAgent,
  'ai-sdk': aiSdkAgent,
  'openai-agents': openaiAgentsAgent,
  langchain: langchainAgent,
  langgraph: langgraphAgent,
  mastra: mastraAgent,
  'google-adk': googleAdkAgent,
};

export function loadAgent(adapter: LoadAdapter, modelUrl: string): Promise<LoadAgent> {
  return factories[adapter](modelUrl);
}
