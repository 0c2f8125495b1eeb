/**
 * Google ADK's streaming chaos agent: an `LlmAgent` on ADK's own `Gemini` model (the session's scripted
 * model is its model name) with a `FunctionTool`, made durable with `withRestate(ctx, agent, { live })` and
 * run by a `Runner` through `runDurably`, which sends the function responses and ends the turn on the log.
 *
 * In SSE streaming mode, as ADK's docs stream to a user: the model's text reaches the log as it streams, and
 * a turn's parallel function calls come in one chunk (the scripted Gemini stream sends them as Gemini does).
 */
import { FunctionTool, Gemini, LlmAgent, Runner, StreamingMode } from '@google/adk';
import {
  durableTool,
  RestatePlugin,
  RestateSessionService,
  restateContext,
  runDurably,
  withRestate,
} from '@restate-agents/google-adk';
import { CONFORMANCE_ENV, postToLedger } from '@restate-agents/testing';
import type { ObjectContext } from '@restatedev/restate-sdk';
import { z } from 'zod';
import type { ChaosLiveAgent } from './chaos-live-agent.ts';

const baseUrl = process.env[CONFORMANCE_ENV.geminiBaseUrl];

// Declared once: the durable tool (one step, `google-adk:tool:record:<functionCallId>`) finds the
// invocation's context through the tool context.
const record = durableTool(
  new FunctionTool({
    name: 'record',
    description: 'Records an id.',
    parameters: z.object({ id: z.string() }),
    execute: async ({ id }, toolContext) => {
      await postToLedger('record', {
        session: restateContext<ObjectContext>(toolContext).key,
        id,
      });
      return `recorded ${id}`;
    },
  }),
);

export const agent: ChaosLiveAgent = async (ctx, input, live) => {
  const assistant = new LlmAgent({
    name: 'chaos',
    instruction: 'You record ids.',
    model: new Gemini({ model: input.model, apiKey: 'scripted' }),
    generateContentConfig: { httpOptions: { ...(baseUrl === undefined ? {} : { baseUrl }) } },
    tools: [record],
  });
  const runner = new Runner({
    appName: 'chaos',
    agent: withRestate(ctx, assistant, { live }),
    sessionService: new RestateSessionService(ctx),
    plugins: [new RestatePlugin(ctx)],
  });
  const { text } = await runDurably(runner, {
    userId: 'chaos',
    sessionId: ctx.key,
    newMessage: { role: 'user', parts: [{ text: input.prompt }] },
    runConfig: { streamingMode: StreamingMode.SSE },
  });
  return text;
};
