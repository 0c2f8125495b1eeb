/** LangChain's streaming chaos agent: `createAgent` on a `durableChatModel` with `live`. */
import { HumanMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { durableStep, liveChunks } from '@restate-agents/core';
import { durableChatModel, restateMiddleware } from '@restate-agents/langchain';
import { CONFORMANCE_ENV, postToLedger } from '@restate-agents/testing';
import { createAgent } from 'langchain';
import { z } from 'zod';
import type { ChaosLiveAgent } from './chaos-live-agent.ts';

export const agent: ChaosLiveAgent = async (ctx, input, live) => {
  const record = tool(
    async ({ id }) => {
      await durableStep(ctx, 'record', () => postToLedger('record', { session: ctx.key, id }));
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
  );
  const chaosAgent = createAgent({ model, tools: [record], middleware: [restateMiddleware(ctx)] });
  const state = await chaosAgent.invoke({ messages: [new HumanMessage(input.prompt)] });
  // The turn is over: `finish`, once the log acknowledged everything.
  await liveChunks(live).end();
  return state.messages.at(-1)?.text ?? '';
};
