/**
 * LangGraph's streaming chaos agent: an agent node on a `durableChatModel` with `live` and a `ToolNode`, run
 * by `durableGraph(ctx, graph, { live })`, which ends the turn on the log when the run ends.
 */
import { type BaseMessage, HumanMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { END, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { ToolNode, toolsCondition } from '@langchain/langgraph/prebuilt';
import { ChatOpenAI } from '@langchain/openai';
import { durableStep } from '@restate-agents/core';
import { durableChatModel } from '@restate-agents/langchain';
import { durableGraph } from '@restate-agents/langgraph';
import { CONFORMANCE_ENV, postToLedger } from '@restate-agents/testing';
import { z } from 'zod';
import type { ChaosLiveAgent } from './chaos-live-agent.ts';

export const agent: ChaosLiveAgent = async (ctx, input, live) => {
  const record = tool(
    async ({ id }) => {
      await durableStep(ctx, 'tool:record', () => postToLedger('record', { session: ctx.key, id }));
      return `recorded ${id}`;
    },
    { name: 'record', description: 'Record an id', schema: z.object({ id: z.string() }) },
  );
  const model = durableChatModel(
    ctx,
    // `streaming`: the model step streams, so its text reaches the log while the step runs.
    new ChatOpenAI({
      model: input.model,
      apiKey: 'scripted',
      streaming: true,
      configuration: { baseURL: process.env[CONFORMANCE_ENV.openaiBaseUrl] },
    }),
    { live },
  ).bindTools([record]);
  const graph = new StateGraph(MessagesAnnotation)
    .addNode('agent', async (state) => ({ messages: [await model.invoke(state.messages)] }))
    .addNode('tools', new ToolNode([record]))
    .addEdge(START, 'agent')
    .addConditionalEdges('agent', toolsCondition, ['tools', END])
    .addEdge('tools', 'agent')
    .compile();
  const state = await durableGraph(ctx, graph, { live }).invoke({
    messages: [new HumanMessage(input.prompt)],
  });
  return (state.messages as BaseMessage[]).at(-1)?.text ?? '';
};
