/**
 * The chat agent of live.test.ts, run in a child process the test SIGKILLs mid-stream: a LangChain
 * `createAgent` whose `durableChatModel` streams live to the stream log (which lives in the test process).
 */
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { liveChunks, liveStream } from '@restate-agents/core';
import * as restate from '@restatedev/restate-sdk';
import { createAgent } from 'langchain';
import { z } from 'zod';
import { durableChatModel, restateMiddleware } from '../src/index.js';

const ingressUrl = process.env.LIVE_INGRESS_URL ?? '';

/** One chat turn (the chat id is the key and the scripted conversation); returns each answer's text. */
async function chat(ctx: restate.ObjectContext, prompt: string): Promise<string[]> {
  const live = liveStream(ctx, { streamId: ctx.key, ingressUrl });
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
  );
  const lookup = tool(async ({ text }) => `found ${text}`, {
    name: 'lookup',
    description: 'Looks something up',
    schema: z.object({ text: z.string() }),
  });
  const agent = createAgent({ model, tools: [lookup], middleware: [restateMiddleware(ctx)] });
  const result = await agent.invoke({ messages: [{ role: 'user', content: prompt }] });
  // The turn is over: `finish`, and the log acknowledged everything.
  await liveChunks(live).end();
  return result.messages
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
  services: [restate.object({ name: 'LiveChat', handlers: { chat }, options: { retryPolicy } })],
  port: Number(process.env.PORT),
});
