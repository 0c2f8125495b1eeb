/**
 * What the ai-sdk live tests add to the live kit (@restate-agents/testing): turns go through the web
 * handlers (`createChatHandlers`) as useChat would call them, and are read from their SSE answers.
 */
import type { LiveFrame, LiveHarness } from '@restate-agents/testing';
import type { UIMessage } from 'ai';
import { readSseFrames } from '../src/client/index.js';
import { type ChatHandlers, createChatHandlers } from '../src/index.js';

/** The web handlers of `agent` against the harness's restate-server. */
export function chatHandlers(h: LiveHarness, agent: string): ChatHandlers {
  return createChatHandlers({
    ingressUrl: h.restate.ingressUrl,
    adminUrl: h.restate.adminUrl,
    agent: { service: agent, handler: 'chat' },
  });
}

/** A user message as useChat sends it. */
export function userMessage(id: string, text: string): UIMessage {
  return { id, role: 'user', parts: [{ type: 'text', text }] };
}

/** The POST useChat sends for a new message in chat `chatId`. */
export function chatRequest(chatId: string, text: string, trigger = 'submit-message'): Request {
  return new Request('http://backend.test/api/chat', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: chatId, messages: [userMessage(`u-${chatId}`, text)], trigger }),
  });
}

/** The frames of an SSE answer of the handlers, to its `[DONE]`; stopping early cancels the body. */
export async function* sseFrames(response: Response): AsyncGenerator<LiveFrame> {
  if (!response.body) throw new Error(`no body (HTTP ${response.status})`);
  const body = response.body;
  try {
    for await (const sse of readSseFrames(body)) {
      if (sse.data === '[DONE]') return;
      yield { offset: sse.offset ?? -1, chunk: JSON.parse(sse.data) as LiveFrame['chunk'] };
    }
    throw new Error('the SSE answer ended without [DONE]');
  } finally {
    await body.cancel().catch(() => undefined);
  }
}
