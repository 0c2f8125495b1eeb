/**
 * The chat agent of live.test.ts (the live kit's service contract, `liveChatObjects` in
 * @restate-agents/testing), run in a child process the tests SIGKILL, SIGSTOP and cut off from Restate: a
 * LangChain `createAgent` whose `durableChatModel` streams live to the stream log (which lives in the test
 * process).
 */
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { endLiveTurn, liveChunks, liveStream } from '@restate-agents/core';
import { CONFORMANCE_ENV, LIVE_ENV, LIVE_TOOL, liveChatObjects } from '@restate-agents/testing';
import { crashPoint } from '@restate-agents/testing/crash-point';
import * as restate from '@restatedev/restate-sdk';
import { createAgent } from 'langchain';
import { z } from 'zod';
import { durableChatModel, restateMiddleware } from '../src/index.js';

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
  step?: { maxRetryAttempts: number },
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
    { live, ...(step && { step }) },
  );
  const agent = createAgent({ model, tools: [lookup], middleware: [restateMiddleware(ctx)] });
  let messages: Awaited<ReturnType<typeof agent.invoke>>['messages'];
  try {
    ({ messages } = await agent.invoke({ messages: [{ role: 'user', content: prompt }] }));
  } catch (error) {
    // The agent loop is the user's code here: it ends the turn (an `error` frame when it failed for good).
    await endLiveTurn(liveChunks(live), { error });
    throw error;
  }
  // The turn is over: `finish`, and the log acknowledged everything.
  await endLiveTurn(liveChunks(live));
  return messages
    .filter((message) => message.type === 'ai' && message.text)
    .map((message) => message.text);
}

void restate.serve({
  services: liveChatObjects({
    chat: (ctx, prompt: string) => turn(ctx, prompt),
    giveUp: (ctx, prompt: string) => turn(ctx, prompt, { maxRetryAttempts: 1 }),
  }),
  port: Number(process.env.PORT),
});
