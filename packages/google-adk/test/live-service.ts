/**
 * The chat agent of live.test.ts (the live kit's service contract, `liveChatObjects` in
 * @restate-agents/testing), run in a child process the tests SIGKILL, SIGSTOP and cut off from Restate: an ADK
 * `LlmAgent` on ADK's own `Gemini` model (HTTP to the scripted model's Gemini API) made durable with
 * `withRestate(ctx, agent, { live })` and run by `runDurably` in SSE streaming mode; the stream log lives in the
 * test process. Each handler takes the prompt and returns the text of each model answer of the turn.
 * Besides the kit's objects: `LiveWholeChat` / `LiveReplayWholeChat` run without SSE streaming mode, and
 * `LiveMisuse` tries the live options that must be refused.
 */
import { FunctionTool, Gemini, LlmAgent, Runner, StreamingMode } from '@google/adk';
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
import {
  durableModel,
  RestatePlugin,
  RestateSessionService,
  runDurably,
  withRestate,
} from '../src/index.js';

const ingressUrl = process.env[LIVE_ENV.ingressUrl] ?? '';
const baseUrl = process.env[CONFORMANCE_ENV.geminiBaseUrl];

const lookup = new FunctionTool({
  name: LIVE_TOOL.name,
  description: 'Looks something up.',
  parameters: z.object({ text: z.string() }),
  execute: async ({ text }) => {
    // Right after the model step that asked for this tool was journaled.
    crashPoint(LIVE_TOOL.crashPoint);
    // A failure for good: the run ends, and its live turn with an error frame.
    if (text === LIVE_TOOL.failWith) throw new restate.TerminalError(LIVE_TOOL.failure);
    return `found ${text}`;
  },
});

/** One chat turn; the chat id (the object's key) is the scripted conversation's model name. */
async function turn(
  ctx: restate.ObjectContext,
  prompt: string,
  options: { sse: boolean; step?: { maxRetryAttempts: number } },
): Promise<string[]> {
  const live = liveStream(ctx, { streamId: ctx.key, ingressUrl });
  const agent = new LlmAgent({
    name: 'assistant',
    instruction: 'Help.',
    model: new Gemini({ model: ctx.key, apiKey: 'scripted' }),
    generateContentConfig: { httpOptions: { ...(baseUrl === undefined ? {} : { baseUrl }) } },
    tools: [lookup],
    // A guardrail as ADK's docs teach it: an answer made up without calling the model.
    beforeModelCallback: () =>
      prompt === 'forbidden'
        ? { content: { role: 'model', parts: [{ text: 'Blocked by policy.' }] } }
        : undefined,
  });
  const runner = new Runner({
    appName: 'live',
    agent: withRestate(ctx, agent, {
      live,
      ...(options.step && { model: { step: options.step } }),
    }),
    sessionService: new RestateSessionService(ctx),
    plugins: [new RestatePlugin(ctx)],
  });
  const { events } = await runDurably(runner, {
    userId: 'live',
    sessionId: ctx.key,
    newMessage: { role: 'user', parts: [{ text: prompt }] },
    ...(options.sse && { runConfig: { streamingMode: StreamingMode.SSE } }),
  });
  // Each model answer's text, in order (the folded chat message has one text part per answer).
  return events.flatMap((event) => {
    if (event.author === 'user') return [];
    const text = (event.content?.parts ?? [])
      .map((part) => (part.thought === true ? '' : (part.text ?? '')))
      .join('');
    return text ? [text] : [];
  });
}

/**
 * Without SSE streaming mode (each step's preview is its whole answer), as it is and in always-replay mode
 * (`inactivityTimeout: 0`, like the kit's `LiveReplayChat`).
 */
const wholeChats = (['LiveWholeChat', 'LiveReplayWholeChat'] as const).map((name) =>
  restate.object({
    name,
    handlers: {
      chat: (ctx: restate.ObjectContext, prompt: string) => turn(ctx, prompt, { sse: false }),
    },
    options: {
      retryPolicy: LIVE_RETRY_POLICY,
      ...(name === 'LiveReplayWholeChat' && { inactivityTimeout: 0 }),
    },
  }),
);

/** A live option that would be silently ignored: each case must be refused. */
type Misuse = 'tree-without-live' | 'model-made-durable-twice' | 'second-run';

const misuse = restate.object({
  name: 'LiveMisuse',
  handlers: {
    async run(ctx: restate.ObjectContext, kind: Misuse): Promise<string> {
      const live = liveStream(ctx, { streamId: ctx.key, ingressUrl });
      const gemini = new Gemini({ model: ctx.key, apiKey: 'scripted' });
      const agent = new LlmAgent({
        name: 'assistant',
        instruction: 'Help.',
        model:
          kind === 'model-made-durable-twice'
            ? durableModel(ctx, durableModel(ctx, gemini), { live })
            : gemini,
        generateContentConfig: { httpOptions: { ...(baseUrl === undefined ? {} : { baseUrl }) } },
      });
      const runner = new Runner({
        appName: 'live',
        agent:
          kind === 'tree-without-live'
            ? withRestate(ctx, agent)
            : withRestate(ctx, agent, { live }),
        sessionService: new RestateSessionService(ctx),
        plugins: [new RestatePlugin(ctx)],
      });
      const params = {
        userId: 'live',
        sessionId: ctx.key,
        newMessage: { role: 'user', parts: [{ text: 'hello' }] },
        live,
      };
      const { text } = await runDurably(runner, params);
      await runDurably(runner, params);
      return text;
    },
  },
  options: { retryPolicy: LIVE_RETRY_POLICY },
});

void restate.serve({
  services: [
    ...liveChatObjects({
      chat: (ctx, prompt: string) => turn(ctx, prompt, { sse: true }),
      giveUp: (ctx, prompt: string) =>
        turn(ctx, prompt, { sse: true, step: { maxRetryAttempts: 1 } }),
    }),
    ...wholeChats,
    misuse,
  ],
  port: Number(process.env.PORT),
});
