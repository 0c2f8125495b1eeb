/**
 * Live streaming through the stream log on a real restate-server, normal and always-replay: the live kit's
 * crash scenarios (SIGKILL mid-stream, a kill right after a step, a zombie attempt, reconnect by offset, a run
 * that fails for good, a model step that gives up), with every turn started and read through the web
 * handlers as useChat would; plus what only this adapter has: Last-Event-ID, the transport's reconnect, stop,
 * a failed agent's turn, idempotent POSTs. The chat agent runs in a child process; the stream log and the web
 * handlers in the test process.
 */
import { fileURLToPath } from 'node:url';
import { agentStreamObject, streamClient } from '@restate-agents/core';
import {
  countChunks,
  foldLiveMessage,
  LIVE_OBJECTS,
  type LiveFrame,
  liveReply,
  loggedTurn,
  messageTexts,
  readLiveTurn,
  shownText,
} from '@restate-agents/testing';
import { liveScenarios } from '@restate-agents/testing/vitest';
import type { UIMessageChunk } from 'ai';
import { expect, it } from 'vitest';
import { RestateChatTransport } from '../src/client/index.js';
import { chatHandlers, chatRequest, sseFrames, userMessage } from './live-helpers.js';

const live = liveScenarios({
  name: 'ai-sdk',
  serviceEntry: fileURLToPath(new URL('./live-service.ts', import.meta.url)),
  streamObject: agentStreamObject(),
  streamClient,
  // POST /api/chat as useChat sends it; the turn is read from the SSE answer.
  async startTurn({ harness, object, chatId, prompt }) {
    const response = await chatHandlers(harness, object).POST(chatRequest(chatId, prompt));
    expect(response.status).toBe(200);
    return {
      invocationId: response.headers.get('x-restate-invocation-id') ?? '',
      frames: sseFrames(response),
    };
  },
  // GET /api/chat/:id/stream?offset=N, as RestateChatTransport reconnects.
  async *resume(harness, chatId, from) {
    yield* sseFrames(
      await chatHandlers(harness, LIVE_OBJECTS.chat).GET(
        new Request(`http://backend.test/api/chat/${chatId}/stream?offset=${from}`),
      ),
    );
  },
});

const deltas = (frames: readonly LiveFrame[]): number => countChunks(frames, 'text-delta');

it('live: a reconnect by Last-Event-ID resumes after that frame; after the turn, no active turn (204); the next turn streams only its own frames', async () => {
  const chatId = 'live-last-event-id';
  live.model.conversation(chatId, (request) =>
    request.messages.at(-1)?.text === 'again'
      ? { text: 'The second turn.' }
      : { text: liveReply(1), chunkDelayMs: 60 },
  );
  const handlers = chatHandlers(live, LIVE_OBJECTS.chat);
  const response = await handlers.POST(chatRequest(chatId, 'hi'));
  const invocationId = response.headers.get('x-restate-invocation-id') ?? '';
  const first = await readLiveTurn(sseFrames(response), (_frame, all) =>
    deltas(all) >= 4 ? false : undefined,
  );
  expect(first.done).toBe(false);
  const second = await readLiveTurn(
    sseFrames(
      await handlers.GET(
        new Request(`http://backend.test/api/chat/${chatId}/stream`, {
          headers: { 'last-event-id': String(first.frames.at(-1)?.offset) },
        }),
      ),
    ),
  );
  expect(second.done).toBe(true);
  const whole = await readLiveTurn(live.log.frames(chatId, { turn: invocationId }));
  expect([...first.frames, ...second.frames]).toEqual(whole.frames);
  expect(
    (await handlers.GET(new Request(`http://backend.test/api/chat/${chatId}/stream`))).status,
  ).toBe(204);
  const next = await readLiveTurn(
    sseFrames(
      await handlers.POST(
        new Request('http://backend.test/api/chat', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            id: chatId,
            messages: [userMessage(`u-${chatId}`, 'hi'), userMessage(`u2-${chatId}`, 'again')],
          }),
        }),
      ),
    ),
  );
  expect(next.frames[0]?.offset).toBe((whole.frames.at(-1)?.offset ?? 0) + 1);
  expect(messageTexts(await foldLiveMessage(next.frames))).toEqual(['The second turn.']);
});

it('live: RestateChatTransport resumes a dropped connection by offset; useChat-style reading gets the whole answer once', async () => {
  const chatId = 'live-transport';
  live.model.conversation(chatId, [{ text: liveReply(1), chunkDelayMs: 60 }]);
  const handlers = chatHandlers(live, LIVE_OBJECTS.chat);
  let dropped = 0;
  const routed: typeof fetch = async (input, init) => {
    const request = new Request(new URL(String(input), 'http://backend.test'), init);
    const path = new URL(request.url).pathname;
    const response =
      request.method === 'POST' && path === '/api/chat'
        ? await handlers.POST(request)
        : path.endsWith('/stop')
          ? await handlers.stop(request)
          : await handlers.GET(request);
    if (request.method !== 'POST' || !response.body) return response;
    // The POST's connection drops after a few events, as a flaky network would.
    const reader = response.body.getReader();
    let events = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        events += new TextDecoder().decode(value).split('\n\n').length - 1;
        controller.enqueue(value);
        if (events >= 6) {
          dropped += 1;
          await reader.cancel();
          controller.error(new TypeError('network connection lost'));
        }
      },
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
  const transport = new RestateChatTransport({
    api: '/api/chat',
    fetch: routed,
    reconnectDelayMs: 50,
  });
  const stream = await transport.sendMessages({
    trigger: 'submit-message',
    chatId,
    messageId: undefined,
    messages: [userMessage(`u-${chatId}`, 'hi')],
    abortSignal: undefined,
  });
  const chunks: UIMessageChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  expect(dropped).toBe(1);
  const journaled = [liveReply(1)];
  expect(shownText(chunks)).toBe(journaled.join(''));
  expect(messageTexts(await foldLiveMessage(chunks))).toEqual(journaled);
});

it('live: stop cancels the running turn and ends the stream', async () => {
  const chatId = 'live-stop';
  // Slow (3 s in all), so the turn is still running when the stop arrives, even on a busy machine.
  live.model.conversation(chatId, [{ text: liveReply(1, 40), chunkDelayMs: 200 }]);
  const handlers = chatHandlers(live, LIVE_OBJECTS.chat);
  const response = await handlers.POST(chatRequest(chatId, 'hi'));
  const invocationId = response.headers.get('x-restate-invocation-id') ?? '';
  let stopRequested = false;
  const { frames, done } = await readLiveTurn(sseFrames(response), async (_frame, all) => {
    if (!stopRequested && deltas(all) >= 1) {
      stopRequested = true;
      const stopped = await handlers.stop(
        new Request(`http://backend.test/api/chat/${chatId}/stop`, { method: 'POST' }),
      );
      expect(await stopped.text()).toBe(JSON.stringify({ cancelled: invocationId }));
    }
    return undefined;
  });
  expect(done).toBe(true);
  // The client saw part of the answer, never all of it, and the agent's invocation ended.
  const shown = shownText(frames);
  expect(liveReply(1, 40).startsWith(shown)).toBe(true);
  expect(shown.length).toBeLessThan(liveReply(1, 40).length);
  await live.restate.waitForStatus(invocationId, 'completed');
});

it('live: a model step that gives up ends its turn in the log itself, with an error frame (every reader sees the end)', async () => {
  const chatId = 'live-give-up-log';
  live.model.conversation(chatId, () => ({
    text: liveReply(1, 40),
    chunkDelayMs: 10,
    faults: [{ kind: 'reset' }],
  }));
  // Sent straight to the agent and read straight from the log: the web handlers end a turn in the log when
  // they see its invocation fail (a safety net), so going through them would hide an agent that did not.
  const { invocationId } = await live.restate.send(
    { service: LIVE_OBJECTS.giveUp, handler: 'chat', key: chatId },
    { id: chatId, messages: [userMessage(`u-${chatId}`, 'hi')] },
  );
  await expect(live.restate.attach(invocationId)).rejects.toThrow();
  const frames = await loggedTurn(live.log, chatId, invocationId);
  expect(frames.at(-1)?.chunk.type).toBe('error');
  expect(countChunks(frames, 'reset-step')).toBe(1);
});

it('live: an agent that fails without ending its turn still ends the client stream, with its error', async () => {
  const handlers = chatHandlers(live, 'LiveBrokenChat');
  for (const [chatId, message] of [
    ['live-broken-late', 'failed after the turn opened'],
    ['live-broken-early', 'refused before the turn opened'],
  ] as const) {
    const { frames, done } = await readLiveTurn(
      sseFrames(await handlers.POST(chatRequest(chatId, 'hi'))),
    );
    expect(done).toBe(true);
    expect(frames.at(-1)?.chunk).toEqual({ type: 'error', errorText: message });
  }
});

it('live: a re-sent POST attaches to the same turn; a regeneration starts a new one', async () => {
  const chatId = 'live-idempotent';
  live.model.conversation(chatId, (request) => ({ text: `answer ${request.attempt}` }));
  const handlers = chatHandlers(live, LIVE_OBJECTS.chat);
  const post = async (trigger: string) => {
    const response = await handlers.POST(chatRequest(chatId, 'hi', trigger));
    const { frames } = await readLiveTurn(sseFrames(response));
    return {
      turn: response.headers.get('x-restate-invocation-id'),
      texts: messageTexts(await foldLiveMessage(frames)),
    };
  };
  const first = await post('submit-message');
  const again = await post('submit-message');
  const regenerated = await post('regenerate-message');
  expect(again).toEqual(first);
  expect(regenerated.turn).not.toBe(first.turn);
  expect(first.texts).toEqual(['answer 1']);
  expect(regenerated.texts).toEqual(['answer 2']);
});
