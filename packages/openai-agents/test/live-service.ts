/**
 * The chat agent of live.test.ts, run in a child process the tests SIGKILL mid-stream: a streamed
 * `DurableRunner` run with live streaming to the stream log, which lives in the test process.
 */
import { Agent } from '@openai/agents-core';
import { OpenAIProvider } from '@openai/agents-openai';
import { liveStream } from '@restate-agents/core';
import { CONFORMANCE_ENV } from '@restate-agents/testing';
import { crashPoint } from '@restate-agents/testing/crash-point';
import * as restate from '@restatedev/restate-sdk';
import { z } from 'zod';
import { DurableRunner, tool } from '../src/index.js';

/** Where the agent reaches Restate's ingress (live.test.ts sets it). */
const ingressUrl = process.env.LIVE_INGRESS_URL ?? '';

const provider = new OpenAIProvider({
  baseURL: process.env[CONFORMANCE_ENV.openaiBaseUrl],
  apiKey: 'scripted',
  useResponses: true,
});

const lookup = tool({
  name: 'lookup',
  description: 'Looks something up',
  parameters: z.object({ text: z.string() }),
  execute: async ({ text }) => {
    // Right after the model step that asked for this tool was journaled.
    crashPoint('live-in-tool');
    // A failure for good: the run ends, and its live turn with an error frame.
    if (text === 'boom') throw new restate.TerminalError('lookup failed for good');
    return `found ${text}`;
  },
});

/** One chat turn (the chat id is the key, and the scripted conversation's model name). */
async function chat(ctx: restate.ObjectContext, prompt: string): Promise<string> {
  const live = liveStream(ctx, { streamId: ctx.key, ingressUrl });
  const agent = new Agent({
    name: 'assistant',
    instructions: 'Help.',
    model: ctx.key,
    tools: [lookup],
  });
  const result = await new DurableRunner(ctx, { modelProvider: provider, live }).run(
    agent,
    prompt,
    {
      stream: true,
    },
  );
  // The client reads the stream log; `completed` resolves once the log has the whole turn.
  await result.completed;
  return String(result.finalOutput);
}

/** Retries come quickly while the killed process restarts. */
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
