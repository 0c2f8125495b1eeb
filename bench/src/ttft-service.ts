/**
 * The durable side of the time-to-first-token bench: a chat agent with `live` on and the stream log, both
 * served from the bench process (in-process endpoints registered on the real restate-server), and the chat
 * handlers a web backend would mount. `send` is a `useChat` POST: it answers with the turn's SSE stream.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { createChatHandlers, pipeUIMessageStream, withRestate } from '@restate-agents/ai-sdk';
import { agentStreamObject, liveStream } from '@restate-agents/core';
import type { MockModelServer, RestateEnvironment } from '@restate-agents/testing';
import * as restate from '@restatedev/restate-sdk';
import { convertToModelMessages, streamText, type UIMessage } from 'ai';

export const TTFT_MODEL = 'ttft';
const AGENT = 'TtftChatAgent';

export interface TtftAgent {
  /** Posts one user message to chat `chatId`, as `useChat` does; the answer is the turn's SSE stream. */
  send(chatId: string, text: string): Promise<Response>;
}

export async function startTtftAgent(
  env: RestateEnvironment,
  model: MockModelServer,
): Promise<TtftAgent> {
  const openai = createOpenAI({ baseURL: model.openaiBaseUrl, apiKey: 'scripted' });
  const agent = restate.object({
    name: AGENT,
    handlers: {
      chat: async (
        ctx: restate.ObjectContext,
        request: { id: string; messages: UIMessage[] },
      ): Promise<void> => {
        const live = liveStream(ctx, { streamId: ctx.key, ingressUrl: env.ingressUrl });
        const result = streamText(
          withRestate(
            ctx,
            {
              model: openai.chat(TTFT_MODEL),
              messages: await convertToModelMessages(request.messages),
            },
            { live },
          ),
        );
        await pipeUIMessageStream(live, result, { originalMessages: request.messages });
      },
    },
  });
  // The log in its own endpoint, as a web backend would host it; the agent in another.
  await env.register({ services: [agentStreamObject()] });
  await env.register({ services: [agent] });
  const chat = createChatHandlers({
    ingressUrl: env.ingressUrl,
    adminUrl: env.adminUrl,
    agent: { service: AGENT, handler: 'chat' },
  });
  return {
    send: (chatId, text) =>
      chat.POST(
        new Request('http://bench.local/api/chat', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            id: chatId,
            trigger: 'submit-message',
            messages: [{ id: `${chatId}-user`, role: 'user', parts: [{ type: 'text', text }] }],
          }),
        }),
      ),
  };
}
