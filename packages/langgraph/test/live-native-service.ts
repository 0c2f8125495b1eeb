/**
 * The agent of live-native.test.ts, run in a child process the test SIGKILLs mid-stream: LangGraph's standard
 * ReAct graph (a model node on a live `durableChatModel`, a prebuilt `ToolNode`, `toolsCondition`) run by
 * `durableGraph(ctx, graph, { live })`. The stream log lives in the test process. Returns the run's messages
 * as LangChain stored messages: the journaled answers the test compares the streams with.
 * `LiveNativeGraph` runs in normal mode, `LiveNativeReplayGraph` with `inactivityTimeout: 0` (every journaled
 * step ends the attempt, so the handler replays: always-replay on the same server).
 */
import { HumanMessage, isBaseMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { END, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { ToolNode, toolsCondition } from '@langchain/langgraph/prebuilt';
import { ChatOpenAI } from '@langchain/openai';
import { liveStream } from '@restate-agents/core';
import { durableChatModel, durableTool } from '@restate-agents/langchain';
import { CONFORMANCE_ENV, LIVE_RETRY_POLICY } from '@restate-agents/testing';
import * as restate from '@restatedev/restate-sdk';
import { z } from 'zod';
import { durableGraph } from '../src/index.js';

const ingressUrl = process.env.LIVE_INGRESS_URL ?? '';

async function turn(ctx: restate.ObjectContext, prompt: string, streaming = false) {
  const live = liveStream(ctx, { streamId: ctx.key, ingressUrl });
  const lookup = durableTool(
    ctx,
    tool(async ({ text }) => `found ${text}`, {
      name: 'lookup',
      description: 'Looks something up',
      schema: z.object({ text: z.string() }),
    }),
  );
  const model = durableChatModel(
    ctx,
    new ChatOpenAI({
      model: 'scripted-model',
      apiKey: 'scripted',
      configuration: {
        baseURL: process.env[CONFORMANCE_ENV.openaiBaseUrl],
        defaultHeaders: { 'x-mock-conversation': ctx.key },
      },
    }),
    { live },
  ).bindTools([lookup]);
  const graph = new StateGraph(MessagesAnnotation)
    .addNode('agent', async (state) => ({ messages: [await model.invoke(state.messages)] }))
    .addNode('tools', new ToolNode([lookup]))
    .addEdge(START, 'agent')
    .addConditionalEdges('agent', toolsCondition, ['tools', END])
    .addEdge('tools', 'agent')
    .compile();
  const durable = durableGraph(ctx, graph, { live });
  const input = { messages: [new HumanMessage(prompt)] };
  if (streaming) {
    // LangGraph's own tuples of the same run, for the test to hold the log's against.
    const messages: unknown[] = [];
    const updates: unknown[] = [];
    for await (const [mode, payload] of (await durable.stream(input, {
      streamMode: ['messages', 'updates'],
    })) as AsyncIterable<[string, unknown]>) {
      if (mode === 'updates') updates.push(asJson(payload));
      else messages.push(asJson(payload));
    }
    return { messages, updates };
  }
  const state = await durable.invoke(input);
  return state.messages.map((message) => message.toDict());
}

/** A value as JSON, each LangChain message as its stored form (`toDict()`). */
function asJson(value: unknown): unknown {
  if (isBaseMessage(value)) return value.toDict();
  if (Array.isArray(value)) return value.map(asJson);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, asJson(entry)]));
}

void restate.serve({
  services: [
    restate.object({
      name: 'LiveNativeGraph',
      handlers: { chat: turn },
      options: { retryPolicy: LIVE_RETRY_POLICY },
    }),
    restate.object({
      name: 'LiveNativeParallelGraph',
      handlers: {
        // Refused before anything runs: concurrency above 1 cannot stream live.
        chat: async (ctx: restate.ObjectContext) => {
          const graph = new StateGraph(MessagesAnnotation)
            .addNode('agent', () => ({}))
            .addEdge(START, 'agent')
            .compile();
          const live = liveStream(ctx, { streamId: ctx.key, ingressUrl });
          await durableGraph(ctx, graph, { live, concurrency: 2 }).invoke({ messages: [] });
        },
      },
      options: { retryPolicy: LIVE_RETRY_POLICY },
    }),
    restate.object({
      name: 'LiveNativeReplayGraph',
      handlers: {
        chat: (ctx: restate.ObjectContext, prompt: string) => turn(ctx, prompt, true),
      },
      options: { retryPolicy: LIVE_RETRY_POLICY, inactivityTimeout: 0 },
    }),
  ],
  port: Number(process.env.PORT),
});
