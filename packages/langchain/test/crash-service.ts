/**
 * Service for `crash.test.ts`, run in a child process the test kills for real (SIGKILL): LangChain
 * patterns whose journal must carry them across a crash. `ChatOpenAI` talks HTTP to the scripted model
 * server at the URL the crash harness passes in `CONFORMANCE_ENV.openaiBaseUrl`; the conversation is the
 * invocation key.
 */

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { HumanMessage, ToolMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { durableStep } from '@restate-agents/core';
import { CONFORMANCE_ENV } from '@restate-agents/testing';
import { crashPoint } from '@restate-agents/testing/crash-point';
import * as restate from '@restatedev/restate-sdk';
import { createAgent, createMiddleware } from 'langchain';
import { z } from 'zod';
import { durableChatModel, durableTool, restateMiddleware } from '../src/index.js';

/** The crash point after the weather tool's side effect is journaled. */
export const AFTER_WEATHER = 'after-weather';
/** The crash point before the model call that follows a tool's journaled `Command`. */
export const AFTER_COMMAND = 'after-command';

const chatOpenAI = (conversation: string) =>
  new ChatOpenAI({
    model: 'scripted-model',
    apiKey: 'scripted',
    configuration: {
      baseURL: process.env[CONFORMANCE_ENV.openaiBaseUrl],
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

/** LangGraph's `Command`, from the copy `langchain` depends on (this package has no LangGraph of its own). */
const { Command } = (await import(
  pathToFileURL(createRequire(import.meta.resolve('langchain')).resolve('@langchain/langgraph'))
    .href
)) as { Command: new (fields: Record<string, unknown>) => unknown };

/**
 * Its own service: this process never imports `@restate-agents/langgraph`, so after the restart the
 * journaled `Command` is rebuilt with the class found through `langchain`'s own LangGraph copy.
 */
const commandAgent = restate.object({
  name: 'LangChainCommandCrash',
  handlers: {
    async run(ctx: restate.ObjectContext) {
      const lookup = durableTool(
        ctx,
        tool(
          (_input, config: { toolCall?: { id?: string } }) =>
            new Command({
              update: {
                messages: [
                  new ToolMessage({
                    content: 'found Ada',
                    tool_call_id: config.toolCall?.id ?? '',
                  }),
                ],
              },
            }),
          { name: 'lookup', description: 'Look up the user', schema: z.object({}) },
        ),
      );
      // Listed before restateMiddleware: runs outside any step, so the crash comes after the tool's step.
      const crashAfterTool = createMiddleware({
        name: 'CrashAfterTool',
        wrapModelCall: (request, handler) => {
          if (request.messages.some((message) => ToolMessage.isInstance(message))) {
            crashPoint(AFTER_COMMAND);
          }
          return handler(request);
        },
      });
      const agent = createAgent({
        model: chatOpenAI(ctx.key),
        tools: [lookup],
        middleware: [crashAfterTool, restateMiddleware(ctx)],
      });
      const result = await agent.invoke({ messages: [new HumanMessage('who am I?')] });
      return result.messages.map((message) => `${message.type}:${message.text}`);
    },
  },
});

await restate.serve({ services: [crashAgent, commandAgent], port: Number(process.env.PORT) });
