/**
 * The agent of the live-streaming chaos run (src/live-chaos.ts), in its own process so the run can SIGKILL it:
 * a chat agent with `live` on, keyed by chat id, writing to the stream log served by the run's process.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { pipeUIMessageStream, withRestate } from '@restate-agents/ai-sdk';
import { agentRetryPolicy, liveStream } from '@restate-agents/core';
import * as restate from '@restatedev/restate-sdk';
import { convertToModelMessages, streamText, type UIMessage } from 'ai';

const openai = createOpenAI({
  baseURL: process.env.LIVE_CHAOS_OPENAI_BASE_URL,
  apiKey: 'scripted',
});
const ingressUrl = process.env.LIVE_CHAOS_INGRESS_URL ?? 'http://127.0.0.1:8080';

const chatAgent = restate.object({
  name: 'LiveChaosAgent',
  handlers: {
    chat: async (
      ctx: restate.ObjectContext,
      request: { id: string; messages: UIMessage[] },
    ): Promise<void> => {
      const live = liveStream(ctx, { streamId: ctx.key, ingressUrl });
      const result = streamText(
        withRestate(
          ctx,
          {
            model: openai.chat('live-chaos'),
            messages: await convertToModelMessages(request.messages),
          },
          { live },
        ),
      );
      await pipeUIMessageStream(live, result, { originalMessages: request.messages });
    },
  },
  // A user is watching: retry a crashed turn at most 2 s apart rather than backing off to a minute.
  options: { retryPolicy: { ...agentRetryPolicy, maxInterval: { seconds: 2 } } },
});

await restate.serve({ services: [chatAgent], port: Number(process.env.PORT ?? 9080) });
