/**
 * The chat agent of live.test.ts (the live kit's service contract, `liveChatObjects` in
 * @restate-agents/testing), run in a child process the tests SIGKILL, SIGSTOP and cut off from Restate: a
 * LangGraph graph (an agent node on a `durableChatModel` that streams live, and a `ToolNode`) run by
 * `durableGraph(ctx, graph, { live })`, which ends the turn on the stream log (which lives in the test
 * process). `LiveGraphStream` runs the same graph with `durable.stream(...)` instead of `invoke`.
 */
import { type BaseMessage, HumanMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { END, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { ToolNode, toolsCondition } from '@langchain/langgraph/prebuilt';
import { ChatOpenAI } from '@langchain/openai';
import { liveStream } from '@restate-agents/core';
import { durableChatModel } from '@restate-agents/langchain';
import { CONFORMANCE_ENV, LIVE_ENV, LIVE_TOOL, liveChatObjects } from '@restate-agents/testing';
import { crashPoint } from '@restate-agents/testing/crash-point';
import * as restate from '@restatedev/restate-sdk';
import { z } from 'zod';
import { durableGraph } from '../src/index.js';

const ingressUrl = process.env[LIVE_ENV.ingressUrl] ?? '';

const lookup = tool(
  async ({ text }) => {
    // Right after the model step that asked for this tool was journaled.
    crashPoint(LIVE_TOOL.crashPoint);
    // A failure for good: the run ends with it, and so does the turn (an `error` frame).
    if (text === LIVE_TOOL.failWith) throw new restate.TerminalError(LIVE_TOOL.failure);
    return `found ${text}`;
  },
  {
    name: LIVE_TOOL.name,
    description: 'Looks something up',
    schema: z.object({ text: z.string() }),
  },
);

/** One chat turn (the chat id is the key and the scripted conversation); returns each answer's text. */
async function turn(
  ctx: restate.ObjectContext,
  prompt: string,
  options: { streaming?: boolean; step?: { maxRetryAttempts: number } } = {},
): Promise<string[]> {
  const live = liveStream(ctx, { streamId: ctx.key, ingressUrl });
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
    { live, ...(options.step && { step: options.step }) },
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
  if (options.streaming) {
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

void restate.serve({
  services: [
    ...liveChatObjects({
      chat: (ctx, prompt: string) => turn(ctx, prompt),
      giveUp: (ctx, prompt: string) => turn(ctx, prompt, { step: { maxRetryAttempts: 1 } }),
    }),
    restate.object({
      name: 'LiveGraphStream',
      handlers: {
        chat: (ctx: restate.ObjectContext, prompt: string) =>
          turn(ctx, prompt, { streaming: true }),
      },
    }),
  ],
  port: Number(process.env.PORT),
});
