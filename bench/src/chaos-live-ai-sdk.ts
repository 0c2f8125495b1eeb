/** The AI SDK's streaming chaos agent: `streamText` through `withRestate` with `live`, piped to the log. */
import { createOpenAI } from '@ai-sdk/openai';
import { durableTool, pipeUIMessageStream, withRestate } from '@restate-agents/ai-sdk';
import { CONFORMANCE_ENV, postToLedger } from '@restate-agents/testing';
import { isStepCount, jsonSchema, streamText, tool } from 'ai';
import type { ChaosLiveAgent } from './chaos-live-agent.ts';

const openai = createOpenAI({
  baseURL: process.env[CONFORMANCE_ENV.openaiBaseUrl],
  apiKey: 'scripted',
});

export const agent: ChaosLiveAgent = async (ctx, input, live) => {
  const session = ctx.key;
  const record = durableTool(
    ctx,
    tool({
      inputSchema: jsonSchema<{ id: string }>({
        type: 'object',
        properties: { id: { type: 'string' } },
        required: ['id'],
      }),
      execute: async ({ id }) => {
        await postToLedger('record', { session, id });
        return `recorded ${id}`;
      },
    }),
    { name: 'record' },
  );
  const result = streamText(
    withRestate(
      ctx,
      {
        model: openai.chat(input.model),
        tools: { record },
        prompt: input.prompt,
        stopWhen: isStepCount(10),
      },
      { live },
    ),
  );
  // Sends the UI message stream rebuilt from the journal and ends the turn.
  await pipeUIMessageStream(live, result);
  return result.text;
};
