/**
 * Google ADK's streaming chaos agent: an `LlmAgent` on ADK's own `Gemini` model (the session's scripted
 * model is its model name) with a `FunctionTool`, made durable with `withRestate(ctx, agent, { live })` and
 * run by a `Runner` through `runDurably`, which sends the function responses and ends the turn on the log.
 *
 * Without SSE streaming mode: each model step's preview is its whole answer, sent when it arrives. In SSE
 * mode ADK's own stream aggregator makes each streamed chunk that carries a function call an event of its
 * own, and runs its call before the next one's event; the scripted model streams each of a turn's parallel
 * calls in its own chunk, so the history it is sent back splits one turn into several and its script runs
 * out of step (plain ADK does the same; not the adapter's doing).
 */
import { FunctionTool, Gemini, LlmAgent, Runner } from '@google/adk';
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
  });
  return text;
};
