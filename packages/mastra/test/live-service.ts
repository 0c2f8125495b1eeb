/**
 * The chat agent of live.test.ts, run in a child process the test SIGKILLs mid-stream: a Mastra agent run by
 * `durableAgent` with live streaming to the stream log (which lives in the test process). It takes the POST
 * body `useChat` sends (through the AI SDK adapter's chat handlers) and returns each model step's text.
 *
 * - `chat`: an agent built in the handler on `durableModel(ctx, model, { live })`; `stream()` piped with
 *   `pipeMastraStream`.
 * - `generate`: an agent declared at module level on `restateModel(model)`, which takes the live stream from
 *   the run (`durableAgent(ctx, agent, { live })`); `generate()` pipes and ends the turn itself.
 * - `giveUp`: the agent of `chat` whose model step gives up after one attempt.
 * - `delegate`: the agent of `chat` with a sub-agent on `restateModel(model)`: the sub-agent's steps must not
 *   stream into the turn (they are not steps of the parent's stream).
 */
import { createOpenAI } from '@ai-sdk/openai';
import { Agent } from '@mastra/core/agent';
import type { MessageListInput } from '@mastra/core/agent/message-list';
import { createTool } from '@mastra/core/tools';
import { liveStream } from '@restate-agents/core';
import { CONFORMANCE_ENV } from '@restate-agents/testing';
import { crashPoint } from '@restate-agents/testing/crash-point';
import * as restate from '@restatedev/restate-sdk';
import { z } from 'zod';
import { durableAgent, durableModel, pipeMastraStream, restateModel } from '../src/index.js';

const ingressUrl = process.env.LIVE_INGRESS_URL ?? '';
const openai = createOpenAI({
  baseURL: process.env[CONFORMANCE_ENV.openaiBaseUrl],
  apiKey: 'scripted',
});

const lookup = createTool({
  id: 'lookup',
  description: 'Looks something up',
  inputSchema: z.object({ text: z.string() }),
  execute: async ({ text }) => {
    // Right after the model step that asked for this tool was journaled.
    crashPoint('live-in-tool');
    // A failure for good: the run ends with it, and so does the turn (an `error` frame).
    if (text === 'boom') throw new restate.TerminalError('lookup failed for good');
    return `found ${text}`;
  },
});

/** Declared once; its model streams live in the runs that have a live stream. */
const moduleAgent = new Agent({
  id: 'live-module',
  name: 'LiveModule',
  instructions: 'Be brief.',
  model: restateModel(openai.chat('scripted-model')),
  tools: { lookup },
});

/** What `useChat` POSTs (its UI messages are what Mastra's `stream()` and `generate()` take). */
/** A sub-agent declared once (its scripted conversation is its model's name). */
const researcher = new Agent({
  id: 'researcher',
  name: 'researcher',
  description: 'Looks orders up.',
  instructions: 'You look orders up.',
  model: restateModel(openai.chat('mastra-live-researcher')),
});

interface ChatBody {
  id: string;
  messages: MessageListInput;
}

const texts = (steps: readonly { text: string }[]): string[] => steps.map((step) => step.text);

async function chat(
  ctx: restate.ObjectContext,
  body: ChatBody,
  variant?: 'delegate' | 'give-up',
): Promise<string[]> {
  const live = liveStream(ctx, { streamId: ctx.key, ingressUrl });
  const agent = new Agent({
    id: 'live',
    name: 'Live',
    instructions: 'Be brief.',
    // `give-up`: the model step gives up after one attempt (a TerminalError at the retry cap).
    model: durableModel(ctx, openai.chat(ctx.key), {
      live,
      ...(variant === 'give-up' && { step: { maxRetryAttempts: 1 } }),
    }),
    tools: { lookup },
    ...(variant === 'delegate' && { agents: { researcher } }),
  });
  const output = await durableAgent(ctx, agent).stream(body.messages, { maxSteps: 4 });
  await pipeMastraStream(live, output);
  return texts(await output.steps);
}

async function generate(ctx: restate.ObjectContext, body: ChatBody): Promise<string[]> {
  const live = liveStream(ctx, { streamId: ctx.key, ingressUrl });
  const result = await durableAgent(ctx, moduleAgent, { live }).generate(body.messages, {
    maxSteps: 4,
    modelSettings: { headers: { 'x-mock-conversation': ctx.key } },
  });
  return texts(result.steps);
}

/** Retries come quickly while the killed process restarts (Restate's default backoff grows to seconds). */
const retryPolicy = {
  initialInterval: 100,
  exponentiationFactor: 1.5,
  maxInterval: 500,
  maxAttempts: 200,
};

void restate.serve({
  services: [
    restate.object({
      name: 'LiveMastra',
      handlers: {
        chat: (ctx: restate.ObjectContext, body: ChatBody) => chat(ctx, body),
        generate,
        delegate: (ctx: restate.ObjectContext, body: ChatBody) => chat(ctx, body, 'delegate'),
        giveUp: (ctx: restate.ObjectContext, body: ChatBody) => chat(ctx, body, 'give-up'),
      },
      options: { retryPolicy },
    }),
    // Always-replay on the same server: every journaled step ends the attempt, the next one replays it.
    restate.object({
      name: 'LiveMastraReplay',
      handlers: { chat: (ctx: restate.ObjectContext, body: ChatBody) => chat(ctx, body), generate },
      options: { retryPolicy, inactivityTimeout: 0 },
    }),
  ],
  port: Number(process.env.PORT),
});
