/**
 * The chat agent of live-native.test.ts, run in a child process the test SIGKILLs mid-stream: a streamed
 * `DurableRunner` run with live streaming to the stream log (which lives in the test process). `NativeChat` runs
 * normally; `NativeReplayChat` the same turn in always-replay mode (`inactivityTimeout: 0`: every journaled step
 * ends the attempt, and the next one replays the handler from the journal).
 */
import { Agent } from '@openai/agents-core';
import { OpenAIProvider } from '@openai/agents-openai';
import { liveStream } from '@restate-agents/core';
import { CONFORMANCE_ENV, LIVE_RETRY_POLICY } from '@restate-agents/testing';
import * as restate from '@restatedev/restate-sdk';
import { z } from 'zod';
import { DurableRunner, tool } from '../src/index.js';

/** Where the agent reaches Restate's ingress (the test sets it). */
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
    // A failure for good: the run ends, and its live turn with an error frame.
    if (text === 'boom') throw new restate.TerminalError('lookup failed for good');
    return `found ${text}`;
  },
});

/** One chat turn (the chat id is the key, and the scripted conversation's model name). */
async function chat(ctx: restate.ObjectContext, prompt: string): Promise<string> {
  const live = liveStream(ctx, { streamId: ctx.key, ingressUrl });
  // A handoff target, so a run can show handoffs and agent updates.
  const helper = new Agent({
    name: 'helper',
    instructions: 'Look things up.',
    model: ctx.key,
    tools: [lookup],
  });
  const agent = new Agent({
    name: 'assistant',
    instructions: 'Help.',
    model: ctx.key,
    tools: [lookup],
    handoffs: [helper],
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

void restate.serve({
  services: [
    restate.object({
      name: 'NativeChat',
      handlers: { chat },
      options: { retryPolicy: LIVE_RETRY_POLICY },
    }),
    restate.object({
      name: 'NativeReplayChat',
      handlers: { chat },
      options: { retryPolicy: LIVE_RETRY_POLICY, inactivityTimeout: 0 },
    }),
  ],
  port: Number(process.env.PORT),
});
