/**
 * The chat agent of live.test.ts, run in a child process the tests SIGKILL (or SIGSTOP) mid-stream: a
 * `streamText` turn with live streaming to the stream log, which lives in the test process.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { liveStream } from '@restate-agents/core';
import { CONFORMANCE_ENV } from '@restate-agents/testing';
import { crashPoint } from '@restate-agents/testing/crash-point';
import * as restate from '@restatedev/restate-sdk';
import {
  convertToModelMessages,
  isStepCount,
  type JSONSchema7,
  jsonSchema,
  streamText,
  tool,
  type UIMessage,
} from 'ai';
import { pipeUIMessageStream, withRestate } from '../src/index.js';

/** Where the agent reaches Restate's ingress (the test sets it; live-helpers.ts uses the same name). */
const LIVE_INGRESS_ENV = 'LIVE_INGRESS_URL';

const openai = createOpenAI({
  baseURL: process.env[CONFORMANCE_ENV.openaiBaseUrl],
  apiKey: 'scripted',
});
const ingressUrl = process.env[LIVE_INGRESS_ENV] ?? '';

const lookup = tool({
  description: 'Looks something up',
  inputSchema: jsonSchema<{ text: string }>({
    type: 'object',
    properties: { text: { type: 'string' } },
    required: ['text'],
  } as JSONSchema7),
  execute: async ({ text }) => {
    // Right after the model step that asked for this tool was journaled.
    crashPoint('live-in-tool');
    return `found ${text}`;
  },
});

/** One chat turn: the body is what useChat POSTs ({ id, messages, ... }); returns each step's text. */
function chat(
  ctx: restate.ObjectContext,
  body: { id: string; messages: UIMessage[] },
): Promise<string[]> {
  return chatTurn(ctx, body);
}

/** The same turn whose model step gives up after one attempt (`step.maxRetryAttempts: 1`). */
function chatGivingUp(
  ctx: restate.ObjectContext,
  body: { id: string; messages: UIMessage[] },
): Promise<string[]> {
  return chatTurn(ctx, body, { maxRetryAttempts: 1 });
}

async function chatTurn(
  ctx: restate.ObjectContext,
  body: { id: string; messages: UIMessage[] },
  step?: { maxRetryAttempts: number },
): Promise<string[]> {
  const live = liveStream(ctx, { streamId: ctx.key, ingressUrl });
  const result = streamText(
    withRestate(
      ctx,
      {
        model: openai.chat(ctx.key),
        tools: { lookup },
        messages: await convertToModelMessages(body.messages),
        stopWhen: isStepCount(4),
      },
      { live, ...(step && { step }) },
    ),
  );
  await pipeUIMessageStream(live, result, { originalMessages: body.messages });
  return (await result.steps).map((step) => step.text);
}

/** Retries come quickly while the killed process restarts (Restate's default backoff grows to seconds). */
const retryPolicy = {
  initialInterval: 100,
  exponentiationFactor: 1.5,
  maxInterval: 500,
  maxAttempts: 200,
};
const liveChat = restate.object({ name: 'LiveChat', handlers: { chat }, options: { retryPolicy } });
/** The same agent with short timeouts, so an attempt stopped with SIGSTOP is given up on (and retried) soon. */
const liveZombieChat = restate.object({
  name: 'LiveZombieChat',
  handlers: { chat },
  options: { inactivityTimeout: 2_000, abortTimeout: 1_000, retryPolicy },
});

/** A turn whose model step gives up at its retry cap (a TerminalError) after its preview showed text. */
const liveGiveUpChat = restate.object({
  name: 'LiveGiveUpChat',
  handlers: { chat: chatGivingUp },
  options: { retryPolicy },
});

/** An agent that fails for good without ending its turn: before opening it (`early`) or after. */
const liveBrokenChat = restate.object({
  name: 'LiveBrokenChat',
  handlers: {
    async chat(ctx: restate.ObjectContext, body: { id: string; messages: UIMessage[] }) {
      if (ctx.key.includes('early'))
        throw new restate.TerminalError('refused before the turn opened');
      const live = liveStream(ctx, { streamId: ctx.key, ingressUrl });
      await live.flush();
      void body;
      throw new restate.TerminalError('failed after the turn opened');
    },
  },
});

void restate.serve({
  services: [liveChat, liveZombieChat, liveBrokenChat, liveGiveUpChat],
  port: Number(process.env.PORT),
});
