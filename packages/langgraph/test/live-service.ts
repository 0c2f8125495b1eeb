/**
 * The chat agent of live.test.ts, run in a child process the test SIGKILLs mid-stream: a LangGraph graph (an
 * agent node on a `durableChatModel` that streams live, and a `ToolNode`) run by `durableGraph(ctx, graph,
 * { live })`, which ends the turn on the stream log (which lives in the test process).
 */
import { type BaseMessage, HumanMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { END, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { ToolNode, toolsCondition } from '@langchain/langgraph/prebuilt';
import { ChatOpenAI } from '@langchain/openai';
import { liveStream } from '@restate-agents/core';
import { durableChatModel } from '@restate-agents/langchain';
import * as restate from '@restatedev/restate-sdk';
import { z } from 'zod';
import { durableGraph } from '../src/index.js';

const ingressUrl = process.env.LIVE_INGRESS_URL ?? '';

/** One chat turn (the chat id is the key and the scripted conversation); returns each answer's text. */
async function turn(ctx: restate.ObjectContext, prompt: string, streaming: boolean) {
  const live = liveStream(ctx, { streamId: ctx.key, ingressUrl });
  const lookup = tool(
    async ({ text }) => {
      // A failure for good: the run ends with it, and so does the turn (an `error` frame).
      if (text === 'boom') throw new restate.TerminalError('lookup failed for good');
      return `found ${text}`;
    },
    {
      name: 'lookup',
      description: 'Looks something up',
      schema: z.object({ text: z.string() }),
    },
  );
  const model = durableChatModel(
    ctx,
    new ChatOpenAI({
      model: 'scripted-model',
      apiKey: 'scripted',
      configuration: {
        baseURL: process.env.OPENAI_BASE_URL,
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
  let messages: BaseMessage[];
  if (streaming) {
    // `stream` read to its end also ends the turn; the answers are the agent node's updates.
    messages = [];
    for await (const chunk of durable.stream(input, { streamMode: 'updates' })) {
      const update = (chunk as { agent?: { messages: BaseMessage[] } }).agent;
      if (update) messages.push(...update.messages);
    }
  } else {
    messages = (await durable.invoke(input)).messages;
  }
  return messages
    .filter((message) => message.type === 'ai' && message.text)
    .map((message) => message.text);
}

const retryPolicy = {
  initialInterval: 100,
  exponentiationFactor: 1.5,
  maxInterval: 500,
  maxAttempts: 200,
};

void restate.serve({
  services: [
    restate.object({
      name: 'LiveGraph',
      handlers: {
        chat: (ctx: restate.ObjectContext, prompt: string) => turn(ctx, prompt, false),
        chatStream: (ctx: restate.ObjectContext, prompt: string) => turn(ctx, prompt, true),
      },
      options: { retryPolicy },
    }),
  ],
  port: Number(process.env.PORT),
});
