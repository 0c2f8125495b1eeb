/**
 * Service for `crash.test.ts`, run in a child process the test kills for real (SIGKILL): LangChain
 * patterns whose journal must carry them across a crash. `ChatOpenAI` talks HTTP to the scripted model
 * server at `OPENAI_BASE_URL`; the conversation is the invocation key.
 */

import { HumanMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { durableStep } from '@restate-agents/core';
import { crashPoint } from '@restate-agents/testing/crash-point';
import * as restate from '@restatedev/restate-sdk';
import { createAgent } from 'langchain';
import { z } from 'zod';
import { durableChatModel, restateMiddleware } from '../src/index.js';

/** The crash point after the weather tool's side effect is journaled. */
export const AFTER_WEATHER = 'after-weather';

const chatOpenAI = (conversation: string) =>
  new ChatOpenAI({
    model: 'scripted-model',
    apiKey: 'scripted',
    configuration: {
      baseURL: process.env.OPENAI_BASE_URL,
      defaultHeaders: { 'x-mock-conversation': conversation },
    },
  });

const crashAgent = restate.object({
  name: 'LangChainCrash',
  handlers: {
    async batch(ctx: restate.ObjectContext) {
      const answers = await durableChatModel(ctx, chatOpenAI(ctx.key)).batch([
        'first',
        'second',
        'third',
      ]);
      return answers.map((answer) => answer.text);
    },

    async quickstart(ctx: restate.ObjectContext) {
      const weather = tool(
        async ({ city }) => {
          const report = await durableStep(ctx, 'weather', () => `sunny in ${city}`);
          crashPoint(AFTER_WEATHER);
          return report;
        },
        {
          name: 'weather',
          description: 'Weather in a city',
          schema: z.object({ city: z.string() }),
        },
      );
      const agent = createAgent({
        model: chatOpenAI(ctx.key),
        tools: [weather],
        responseFormat: z.object({ city: z.string(), summary: z.string() }),
        middleware: [restateMiddleware(ctx)],
      });
      const result = await agent.invoke({ messages: [new HumanMessage('Weather in Oslo?')] });
      return result.structuredResponse;
    },
  },
});

await restate.serve({ services: [crashAgent], port: Number(process.env.PORT) });
