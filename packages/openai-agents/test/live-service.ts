/**
 * The chat agent of live.test.ts (the live kit's service contract, `liveChatObjects` in
 * @restate-agents/testing), run in a child process the tests SIGKILL, SIGSTOP and cut off from Restate: a
 * streamed `DurableRunner` run with live streaming to the stream log, which lives in the test process.
 */
import { Agent, type RunItem } from '@openai/agents-core';
import { OpenAIProvider } from '@openai/agents-openai';
import { liveStream } from '@restate-agents/core';
import { CONFORMANCE_ENV, LIVE_ENV, LIVE_TOOL, liveChatObjects } from '@restate-agents/testing';
import { crashPoint } from '@restate-agents/testing/crash-point';
import * as restate from '@restatedev/restate-sdk';
import { z } from 'zod';
import { DurableRunner, tool } from '../src/index.js';

const ingressUrl = process.env[LIVE_ENV.ingressUrl] ?? '';

const provider = new OpenAIProvider({
  baseURL: process.env[CONFORMANCE_ENV.openaiBaseUrl],
  apiKey: 'scripted',
  useResponses: true,
});

const lookup = tool({
  name: LIVE_TOOL.name,
  description: 'Looks something up',
  parameters: z.object({ text: z.string() }),
  execute: async ({ text }) => {
    // Right after the model step that asked for this tool was journaled.
    crashPoint(LIVE_TOOL.crashPoint);
    // A failure for good: the run ends, and its live turn with an error frame.
    if (text === LIVE_TOOL.failWith) throw new restate.TerminalError(LIVE_TOOL.failure);
    return `found ${text}`;
  },
});

/** The text of each model answer of the run, in order (what the client's message must show). */
function answers(items: RunItem[]): string[] {
  return items.flatMap((item) =>
    item.type === 'message_output_item'
      ? [
          item.rawItem.content
            .flatMap((part) => (part.type === 'output_text' ? [part.text] : []))
            .join(''),
        ]
      : [],
  );
}

/** One chat turn (the chat id is the key, and the scripted conversation's model name). */
async function turn(
  ctx: restate.ObjectContext,
  prompt: string,
  step?: { maxRetryAttempts: number },
): Promise<string[]> {
  const live = liveStream(ctx, { streamId: ctx.key, ingressUrl });
  const agent = new Agent({
    name: 'assistant',
    instructions: 'Help.',
    model: ctx.key,
    tools: [lookup],
  });
  const result = await new DurableRunner(ctx, {
    modelProvider: provider,
    live,
    ...(step && { step }),
  }).run(agent, prompt, { stream: true });
  // The client reads the stream log; `completed` resolves once the log has the whole turn.
  await result.completed;
  return answers(result.newItems);
}

void restate.serve({
  services: liveChatObjects({
    chat: (ctx, prompt: string) => turn(ctx, prompt),
    giveUp: (ctx, prompt: string) => turn(ctx, prompt, { maxRetryAttempts: 1 }),
  }),
  port: Number(process.env.PORT),
});
