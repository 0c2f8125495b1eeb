/**
 * The web backend's half: the stream log object (registered from this process, beside the web server, so an
 * agent crash never stops a reader) and the chat API routes over `createChatHandlers`.
 */
import { createChatHandlers } from '@restate-agents/ai-sdk';
import { agentStreamObject } from '@restate-agents/core';
import { CHAT_AGENT, CHAT_HANDLER, MESSAGES_HANDLER } from './contract.ts';
import type { ApiRoute } from './http-server.ts';

/** The services this process serves to Restate: the stream log. */
export function streamLogServices(): [ReturnType<typeof agentStreamObject>] {
  return [agentStreamObject()];
}

/**
 * `POST /api/chat` starts a turn and streams it (SSE, `id: <offset>`); `GET /api/chat/:id/stream` resumes
 * (from `?offset=N`, or the active turn from its start: what `resume: true` asks for after a reload);
 * `POST /api/chat/:id/stop` cancels the turn; `GET /api/chat/:id/messages` is the chat so far. A real app checks here that the user may read chat `:id`.
 */
export function chatRoutes(restate: { ingressUrl: string; adminUrl: string }): ApiRoute[] {
  const chat = createChatHandlers({
    ingressUrl: restate.ingressUrl,
    adminUrl: restate.adminUrl,
    agent: { service: CHAT_AGENT, handler: CHAT_HANDLER },
  });
  // The chat so far, from the agent's state (a real app might keep it in its own database).
  const messages = async (request: Request): Promise<Response> => {
    const chatId = new URL(request.url).pathname.split('/')[3] ?? '';
    const url = `${restate.ingressUrl}/${CHAT_AGENT}/${encodeURIComponent(decodeURIComponent(chatId))}/${MESSAGES_HANDLER}`;
    const answer = await fetch(url, { method: 'POST', signal: request.signal });
    return new Response(answer.body, {
      status: answer.status,
      headers: { 'content-type': 'application/json' },
    });
  };
  return [
    { method: 'GET', path: /^\/api\/chat\/[^/]+\/messages$/, handler: messages },
    { method: 'POST', path: /^\/api\/chat$/, handler: (request) => chat.POST(request) },
    {
      method: 'GET',
      path: /^\/api\/chat\/[^/]+\/stream$/,
      handler: (request) => chat.GET(request),
    },
    {
      method: 'POST',
      path: /^\/api\/chat\/[^/]+\/stop$/,
      handler: (request) => chat.stop(request),
    },
  ];
}
