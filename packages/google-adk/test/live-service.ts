/**
 * The chat agent of the live tests, run in a child process the tests SIGKILL mid-stream: an ADK `LlmAgent` on
 * ADK's own `Gemini` model (HTTP to the scripted model's Gemini API) made durable with
 * `withRestate(ctx, agent, { live })` and run by `runDurably` in SSE streaming mode; the stream log lives in
 * the test process. The handler takes what `useChat` POSTs through ai-sdk's `createChatHandlers`
 * (`{ id, messages }`) or a plain prompt, and returns the text of each model answer of the turn.
 */
import { FunctionTool, Gemini, LlmAgent, Runner, StreamingMode } from '@google/adk';
import { liveStream } from '@restate-agents/core';
import { CONFORMANCE_ENV } from '@restate-agents/testing';
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

/** Where the agent reaches Restate's ingress (the tests set it). */
const ingressUrl = process.env.LIVE_INGRESS_URL ?? '';
const baseUrl = process.env[CONFORMANCE_ENV.geminiBaseUrl];

const lookup = new FunctionTool({
  name: 'lookup',
  description: 'Looks something up.',
  parameters: z.object({ text: z.string() }),
  execute: async ({ text }) => {
    // Right after the model step that asked for this tool was journaled.
    crashPoint('live-in-tool');
    // A failure for good: the run ends, and its live turn with an error frame.
    if (text === 'boom') throw new restate.TerminalError('lookup failed for good');
    return `found ${text}`;
  },
});

/** What useChat POSTs (the chat's messages in UI form), or a prompt. */
type ChatInput =
  | string
  | { id: string; messages: { role: string; parts: { type: string; text?: string }[] }[] };

/** The text of the last user message: the session in Restate state holds the conversation before it. */
function promptOf(input: ChatInput): string {
  if (typeof input === 'string') return input;
  const last = input.messages.findLast((message) => message.role === 'user');
  return (last?.parts ?? [])
    .map((part) => (part.type === 'text' ? (part.text ?? '') : ''))
    .join('');
}

/** One chat turn; the chat id (the object's key) is the scripted conversation's model name. */
async function turn(
  ctx: restate.ObjectContext,
  input: ChatInput,
  sse: boolean,
  step?: { maxRetryAttempts: number },
): Promise<string[]> {
  const live = liveStream(ctx, { streamId: ctx.key, ingressUrl });
  const prompt = promptOf(input);
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
    agent: withRestate(ctx, agent, { live, ...(step && { model: { step } }) }),
    sessionService: new RestateSessionService(ctx),
    plugins: [new RestatePlugin(ctx)],
  });
  const { events } = await runDurably(runner, {
    userId: 'live',
    sessionId: ctx.key,
    newMessage: { role: 'user', parts: [{ text: prompt }] },
    ...(sse && { runConfig: { streamingMode: StreamingMode.SSE } }),
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

/** Retries come quickly while the killed process restarts. */
const retryPolicy = {
  initialInterval: 100,
  exponentiationFactor: 1.5,
  maxInterval: 500,
  maxAttempts: 200,
};

/**
 * The chat objects, as they are (`Live…`) and in always-replay mode (`LiveReplay…`: `inactivityTimeout: 0`
 * suspends the invocation after every journal entry and replays it, as restate-server's always-replay mode
 * does), so one server runs both modes.
 */
const chatObjects = (['Live', 'LiveReplay'] as const).flatMap((prefix) => {
  const options = { retryPolicy, ...(prefix === 'LiveReplay' && { inactivityTimeout: 0 }) };
  return [
    restate.object({
      name: `${prefix}Chat`,
      handlers: { chat: (ctx: restate.ObjectContext, input: ChatInput) => turn(ctx, input, true) },
      options,
    }),
    // Without SSE streaming mode: each step's preview is its whole answer.
    restate.object({
      name: `${prefix}WholeChat`,
      handlers: {
        chat: (ctx: restate.ObjectContext, input: ChatInput) => turn(ctx, input, false),
      },
      options,
    }),
  ];
});

/** A turn whose model step gives up at its retry cap (a TerminalError) after its preview showed text. */
const giveUpChat = restate.object({
  name: 'LiveGiveUpChat',
  handlers: {
    chat: (ctx: restate.ObjectContext, input: ChatInput) =>
      turn(ctx, input, true, { maxRetryAttempts: 1 }),
  },
  options: { retryPolicy },
});

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
  options: { retryPolicy },
});

void restate.serve({
  services: [...chatObjects, giveUpChat, misuse],
  port: Number(process.env.PORT),
});
