/**
 * The chat agent of live.test.ts (the live kit's service contract, `liveChatObjects` in
 * @restate-agents/testing), run in a child process the tests SIGKILL, SIGSTOP and cut off from Restate: a
 * `streamText` turn with live streaming to the stream log, which lives in the test process.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { liveStream } from '@restate-agents/core';
import { CONFORMANCE_ENV, LIVE_ENV, LIVE_TOOL, liveChatObjects } from '@restate-agents/testing';
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

const openai = createOpenAI({
  baseURL: process.env[CONFORMANCE_ENV.openaiBaseUrl],
  apiKey: 'scripted',
});
const ingressUrl = process.env[LIVE_ENV.ingressUrl] ?? '';

const lookup = tool({
  description: 'Looks something up',
  inputSchema: jsonSchema<{ text: string }>({
    type: 'object',
    properties: { text: { type: 'string' } },
    required: ['text'],
  } as JSONSchema7),
  execute: async ({ text }) => {
    // Right after the model step that asked for this tool was journaled.
    crashPoint(LIVE_TOOL.crashPoint);
    // A failure for good: the run ends, and its live turn with an error frame.
    if (text === LIVE_TOOL.failWith) throw new restate.TerminalError(LIVE_TOOL.failure);
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
  services: [...liveChatObjects({ chat, giveUp: chatGivingUp }), liveBrokenChat],
  port: Number(process.env.PORT),
});
