/**
 * The agent, in its own process (the tests SIGKILL it mid-stream): a Virtual Object keyed by chat id, so a
 * chat's turns run one at a time. `liveStream` sends the model's tokens to the stream log while the model step
 * runs (plain HTTP to Restate's ingress, never through `ctx`); `withRestate(..., { live })` journals the
 * answer and commits the preview after the step; `pipeUIMessageStream` writes the turn's UI message stream
 * (what `useChat` reads) and ends the turn. The chat's messages live in the object's state.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { pipeUIMessageStream, withRestate } from '@restate-agents/ai-sdk';
import { agentRetryPolicy, liveStream } from '@restate-agents/core';
import * as restate from '@restatedev/restate-sdk';
import { convertToModelMessages, streamText, type UIMessage } from 'ai';
import {
  AGENT_ENV,
  CHAT_AGENT,
  CHAT_HANDLER,
  MESSAGES_HANDLER,
  SYSTEM_PROMPT,
} from './contract.ts';

const openai = createOpenAI({
  baseURL: process.env[AGENT_ENV.openaiBaseUrl],
  apiKey: process.env[AGENT_ENV.openaiApiKey] ?? 'scripted',
});
const ingressUrl = process.env[AGENT_ENV.ingressUrl] ?? 'http://localhost:8080';

/** What the chat handler's POST sends: `useChat`'s request body. */
interface ChatRequest {
  id: string;
  messages: UIMessage[];
}

/** The chat's UI messages, in the object's state: what a reloaded page starts from. */
const MESSAGES = 'messages';

const chatAgent = restate.object({
  name: CHAT_AGENT,
  handlers: {
    [CHAT_HANDLER]: async (ctx: restate.ObjectContext, request: ChatRequest): Promise<void> => {
      // The user's message is kept at once, so a page reloaded mid-answer still shows it.
      ctx.set(MESSAGES, request.messages);
      // The stream id is the chat id (the object's key): the web backend reads the same log.
      const live = liveStream(ctx, { streamId: ctx.key, ingressUrl });
      const result = streamText(
        withRestate(
          ctx,
          {
            model: openai.chat(process.env[AGENT_ENV.model] ?? 'gpt-4o-mini'),
            system: SYSTEM_PROMPT,
            messages: await convertToModelMessages(request.messages),
          },
          { live },
        ),
      );
      await pipeUIMessageStream(live, result, {
        originalMessages: request.messages,
        // The answer's id: the turn's invocation id, the same on every retry and replay.
        generateMessageId: () => `msg-${ctx.request().id}`,
        // Handler code, not a step: the same messages on every replay.
        onEnd: ({ messages }: { messages: UIMessage[] }) => ctx.set(MESSAGES, messages),
      });
    },
    /** The chat so far (shared: answers while a turn runs). */
    [MESSAGES_HANDLER]: restate.handlers.object.shared(
      async (ctx: restate.ObjectSharedContext): Promise<UIMessage[]> =>
        (await ctx.get<UIMessage[]>(MESSAGES)) ?? [],
    ),
  },
  // A user is watching the answer: after a crash, retry at most 2 s apart instead of backing off to a minute.
  options: { retryPolicy: { ...agentRetryPolicy, maxInterval: { seconds: 2 } } },
});

await restate.serve({ services: [chatAgent], port: Number(process.env.PORT ?? 9080) });
