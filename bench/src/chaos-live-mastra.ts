/**
 * Mastra's streaming chaos agent: a Mastra `Agent` with a `createTool` tool, built in the handler on
 * `durableModel(ctx, model, { live })` (the session's scripted model is its model name), run by
 * `durableAgent(ctx, agent).stream()` and piped with `pipeMastraStream`, which ends the turn on the log.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { Agent } from '@mastra/core/agent';
import { createTool } from '@mastra/core/tools';
import {
  durableAgent,
  durableModel,
  durableTool,
  pipeMastraStream,
  restateContext,
} from '@restate-agents/mastra';
import { CONFORMANCE_ENV, postToLedger } from '@restate-agents/testing';
import type { ObjectContext } from '@restatedev/restate-sdk';
import { z } from 'zod';
import type { ChaosLiveAgent } from './chaos-live-agent.ts';

const openai = createOpenAI({
  baseURL: process.env[CONFORMANCE_ENV.openaiBaseUrl],
  apiKey: 'scripted',
});

// Declared once: the durable tool (one step, `mastra:tool:record:<toolCallId>`) finds the invocation's
// context in the run's request context.
const record = durableTool(
  createTool({
    id: 'record',
    description: 'Records an id.',
    inputSchema: z.object({ id: z.string() }),
    execute: async ({ id }, context) => {
      await postToLedger('record', { session: restateContext<ObjectContext>(context).key, id });
      return `recorded ${id}`;
    },
  }),
);

export const agent: ChaosLiveAgent = async (ctx, input, live) => {
  const assistant = new Agent({
    id: 'chaos',
    name: 'chaos',
    instructions: 'You record ids.',
    model: durableModel(ctx, openai.chat(input.model), { live }),
    tools: { record },
  });
  const output = await durableAgent(ctx, assistant).stream(input.prompt, { maxSteps: 10 });
  // Sends the turn (Mastra's useChat chunks, rebuilt from the journal on a replay) and ends it.
  await pipeMastraStream(live, output);
  // Mastra's `text` joins every step's text; the contract's answer is the last model answer.
  return (await output.steps).at(-1)?.text ?? '';
};
