/** The OpenAI Agents SDK's streaming chaos agent: a streamed `DurableRunner` run with `live`. */
import { Agent } from '@openai/agents-core';
import { OpenAIProvider } from '@openai/agents-openai';
import { durableStep } from '@restate-agents/core';
import { DurableRunner, tool } from '@restate-agents/openai-agents';
import { CONFORMANCE_ENV, postToLedger } from '@restate-agents/testing';
import { z } from 'zod';
import type { ChaosLiveAgent } from './chaos-live-agent.ts';

const provider = new OpenAIProvider({
  baseURL: process.env[CONFORMANCE_ENV.openaiBaseUrl],
  apiKey: 'scripted',
  useResponses: false,
});

export const agent: ChaosLiveAgent = async (ctx, input, live) => {
  const record = tool({
    name: 'record',
    description: 'Record an id',
    parameters: z.object({ id: z.string() }),
    execute: async ({ id }) => {
      await durableStep(ctx, 'record', () => postToLedger('record', { session: ctx.key, id }));
      return `recorded ${id}`;
    },
  });
  const chaosAgent = new Agent({
    name: 'chaos',
    instructions: 'Use the tools you are asked to use.',
    model: input.model,
    tools: [record],
  });
  const result = await new DurableRunner(ctx, { modelProvider: provider, live }).run(
    chaosAgent,
    input.prompt,
    { stream: true },
  );
  // Resolves once the log has the whole turn.
  await result.completed;
  return String(result.finalOutput);
};
