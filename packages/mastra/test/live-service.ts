/**
 * The chat agent of live.test.ts, run in a child process the tests SIGKILL, SIGSTOP and cut off from Restate: a
 * Mastra agent run by `durableAgent` with live streaming to the stream log (which lives in the test process).
 *
 * - The live kit's objects (`liveChatObjects` in @restate-agents/testing; the handler takes the prompt): an agent
 *   built in the handler on `durableModel(ctx, model, { live })`, `stream()` piped with `pipeMastraStream`.
 * - `LiveMastra` / `LiveMastraReplay` (always-replay), which take the POST body `useChat` sends (through the AI SDK
 *   adapter's chat handlers): `generate`, an agent declared at module level on `restateModel(model)`, which takes
 *   the live stream from the run (`durableAgent(ctx, agent, { live })`), its `generate()` piping and ending the
 *   turn itself; `delegate`, the agent of `chat` with a sub-agent on `restateModel(model)`, whose steps must not
 *   stream into the turn.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { Agent } from '@mastra/core/agent';
import type { MessageListInput } from '@mastra/core/agent/message-list';
import { createTool } from '@mastra/core/tools';
import { liveStream } from '@restate-agents/core';
import {
  CONFORMANCE_ENV,
  LIVE_ENV,
  LIVE_RETRY_POLICY,
  LIVE_TOOL,
  liveChatObjects,
} from '@restate-agents/testing';
import { crashPoint } from '@restate-agents/testing/crash-point';
import * as restate from '@restatedev/restate-sdk';
import { z } from 'zod';
import { durableAgent, durableModel, pipeMastraStream, restateModel } from '../src/index.js';

const ingressUrl = process.env[LIVE_ENV.ingressUrl] ?? '';
const openai = createOpenAI({
  baseURL: process.env[CONFORMANCE_ENV.openaiBaseUrl],
  apiKey: 'scripted',
});

const lookup = createTool({
  id: LIVE_TOOL.name,
  description: 'Looks something up',
  inputSchema: z.object({ text: z.string() }),
  execute: async ({ text }) => {
    // Right after the model step that asked for this tool was journaled.
    crashPoint(LIVE_TOOL.crashPoint);
    // A failure for good: the run ends with it, and so does the turn (an `error` frame).
    if (text === LIVE_TOOL.failWith) throw new restate.TerminalError(LIVE_TOOL.failure);
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
  messages: MessageListInput,
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
  const output = await durableAgent(ctx, agent).stream(messages, { maxSteps: 4 });
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

void restate.serve({
  services: [
    ...liveChatObjects({
      chat: (ctx, prompt: string) => chat(ctx, prompt),
      giveUp: (ctx, prompt: string) => chat(ctx, prompt, 'give-up'),
    }),
    restate.object({
      name: 'LiveMastra',
      handlers: {
        generate,
        delegate: (ctx: restate.ObjectContext, body: ChatBody) =>
          chat(ctx, body.messages, 'delegate'),
      },
      options: { retryPolicy: LIVE_RETRY_POLICY },
    }),
    // Always-replay on the same server: every journaled step ends the attempt, the next one replays it.
    restate.object({
      name: 'LiveMastraReplay',
      handlers: { generate },
      options: { retryPolicy: LIVE_RETRY_POLICY, inactivityTimeout: 0 },
    }),
  ],
  port: Number(process.env.PORT),
});
