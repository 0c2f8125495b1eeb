/**
 * Live streaming through the stream log on a real restate-server, normal mode: SIGKILL mid-stream, a kill
 * right after a step, a SIGSTOPped "zombie" attempt, reconnects by offset, stop. The chat agent runs in a
 * child process; the stream log and the web handlers in the test process.
 */
import type { UIMessageChunk } from 'ai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RestateChatTransport } from '../src/client/index.js';
import {
  chatRequest,
  deltas,
  type Frame,
  finalMessage,
  killAfterStep,
  killMidStream,
  type LiveHarness,
  readFrames,
  reply,
  resets,
  startLiveHarness,
  texts,
  userMessage,
} from './live-helpers.js';

let h: LiveHarness;

beforeAll(async () => {
  h = await startLiveHarness(false);
});
afterAll(async () => {
  await h?.stop();
});

it('live: SIGKILL mid-stream → one reset-step, and the final message equals the journaled answer', () =>
  killMidStream(h, 'live-kill-mid-stream'));

it('live: a kill right after the step → no reset, no duplicate', () =>
  killAfterStep(h, 'live-kill-after-step'));

it('live: a SIGSTOPped zombie attempt that wakes after the retry started never reaches the client', async () => {
  const chatId = 'live-zombie';
  h.mock.conversation(chatId, (request) => ({
    text: reply(request.attempt, 16),
    chunkDelayMs: request.attempt === 1 ? 80 : 15,
  }));
  const response = await h.handlers('LiveZombieChat').POST(chatRequest(chatId, 'hi'));
  const invocationId = response.headers.get('x-restate-invocation-id') ?? '';
  let stopped = false;
  const pid = h.service.pid as number;
  const { frames, done } = await readFrames(response, async (_frame, all) => {
    if (!stopped && deltas(all) >= 4) {
      stopped = true;
      process.kill(pid, 'SIGSTOP');
      // Past the inactivity (2 s) and abort (1 s) timeouts: Restate gives up on the attempt and retries.
      setTimeout(() => process.kill(pid, 'SIGCONT'), 4_500);
    }
    return undefined;
  });
  expect(done).toBe(true);
  const journaled = await h.restate.attach<string[]>(invocationId);
  expect(journaled).toEqual([reply(2, 16)]);
  expect(resets(frames)).toBe(1);
  const at = frames.findIndex((frame) => frame.chunk.type === 'reset-step');
  expect(JSON.stringify(frames.slice(at))).not.toContain('alpha');
  expect(texts(await finalMessage(frames.map((frame) => frame.chunk)))).toEqual(journaled);
});

it('live: reconnect by offset mid-stream (?offset and Last-Event-ID) → no gap, no duplicate', async () => {
  const chatId = 'live-reconnect';
  h.mock.conversation(chatId, (request) =>
    request.messages.at(-1)?.text === 'again'
      ? { text: 'The second turn.' }
      : { text: reply(1), chunkDelayMs: 30 },
  );
  const handlers = h.handlers('LiveChat');
  const response = await handlers.POST(chatRequest(chatId, 'hi'));
  const invocationId = response.headers.get('x-restate-invocation-id') ?? '';
  const first = await readFrames(response, (_frame, all) => (deltas(all) >= 4 ? false : undefined));
  expect(first.done).toBe(false);
  const lastId = first.frames.at(-1)?.offset ?? -1;
  const second = await readFrames(
    await handlers.GET(
      new Request(`http://backend.test/api/chat/${chatId}/stream`, {
        headers: { 'last-event-id': String(lastId) },
      }),
    ),
    (_frame, all) => (deltas(all) >= 4 ? false : undefined),
  );
  const resumeAt = (second.frames.at(-1)?.offset ?? 0) + 1;
  const third = await readFrames(
    await handlers.GET(
      new Request(`http://backend.test/api/chat/${chatId}/stream?offset=${resumeAt}`),
    ),
  );
  expect(third.done).toBe(true);
  const joined: Frame[] = [...first.frames, ...second.frames, ...third.frames];
  const whole: Frame[] = [];
  for await (const frame of handlers.log.frames(chatId, { turn: invocationId })) {
    whole.push(frame as Frame);
  }
  expect(joined.map((f) => f.offset)).toEqual(whole.map((f) => f.offset));
  expect(joined.map((f) => f.chunk)).toEqual(whole.map((f) => f.chunk));
  expect(texts(await finalMessage(joined.map((f) => f.chunk)))).toEqual(
    await h.restate.attach(invocationId),
  );
  // The turn is over: a resume without an offset finds no active turn.
  expect(
    (await handlers.GET(new Request(`http://backend.test/api/chat/${chatId}/stream`))).status,
  ).toBe(204);
  // The chat's next turn streams from its own start: only its own frames.
  const next = await readFrames(
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
  );
  expect(next.done).toBe(true);
  expect(next.frames[0]?.offset).toBe((whole.at(-1)?.offset ?? 0) + 1);
  expect(texts(await finalMessage(next.frames.map((f) => f.chunk)))).toEqual(['The second turn.']);
});

it('live: RestateChatTransport resumes a dropped connection by offset; useChat-style reading gets the whole answer once', async () => {
  const chatId = 'live-transport';
  h.mock.conversation(chatId, [{ text: reply(1), chunkDelayMs: 30 }]);
  const handlers = h.handlers('LiveChat');
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
  const journaled = await h.restate.attach<string[]>(
    (await handlers.log.read(chatId, { from: 0, timeoutMs: 0 })).turn?.id ?? '',
  );
  const shown = chunks
    .filter((c) => c.type === 'text-delta')
    .map((c) => (c as { delta: string }).delta);
  expect(shown.join('')).toBe(journaled.join(''));
  expect(texts(await finalMessage(chunks))).toEqual(journaled);
});

it('live: stop cancels the running turn and ends the stream', async () => {
  const chatId = 'live-stop';
  // Slow (3 s in all), so the turn is still running when the stop arrives, even on a busy machine.
  h.mock.conversation(chatId, [{ text: reply(1, 40), chunkDelayMs: 200 }]);
  const handlers = h.handlers('LiveChat');
  const response = await handlers.POST(chatRequest(chatId, 'hi'));
  const invocationId = response.headers.get('x-restate-invocation-id') ?? '';
  let stopRequested = false;
  const { frames, done } = await readFrames(response, async (_frame, all) => {
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
  const shown = frames
    .filter((f) => f.chunk.type === 'text-delta')
    .map((f) => (f.chunk as { delta: string }).delta)
    .join('');
  expect(reply(1, 40).startsWith(shown)).toBe(true);
  expect(shown.length).toBeLessThan(reply(1, 40).length);
  await h.restate.waitForStatus(invocationId, 'completed');
});

it('live: an agent that fails without ending its turn still ends the client stream, with its error', async () => {
  const handlers = h.handlers('LiveBrokenChat');
  for (const [chatId, message] of [
    ['live-broken-late', 'failed after the turn opened'],
    ['live-broken-early', 'refused before the turn opened'],
  ] as const) {
    const { frames, done } = await readFrames(await handlers.POST(chatRequest(chatId, 'hi')));
    expect(done).toBe(true);
    expect(frames.at(-1)?.chunk).toEqual({ type: 'error', errorText: message });
  }
});

it('live: a model step that gives up at its retry cap retracts the text its preview showed', async () => {
  const chatId = 'live-give-up';
  // The only attempt streams part of its answer, then the connection breaks: the step gives up (a
  // TerminalError at the cap), so what the preview showed must be retracted, not left on screen.
  h.mock.conversation(chatId, () => ({
    text: reply(1, 40),
    chunkDelayMs: 10,
    faults: [{ kind: 'reset' }],
  }));
  const { frames, done } = await readFrames(
    await h.handlers('LiveGiveUpChat').POST(chatRequest(chatId, 'hi')),
  );
  expect(done).toBe(true);
  expect(deltas(frames)).toBeGreaterThan(0);
  expect(resets(frames)).toBe(1);
  const at = frames.findIndex((frame) => frame.chunk.type === 'reset-step');
  expect(JSON.stringify(frames.slice(at))).not.toContain('alpha');
  expect(frames.at(-1)?.chunk.type).toBe('error');
  expect(h.mock.requestsFor(chatId)).toHaveLength(1);
});

it('live: a re-sent POST attaches to the same turn; a regeneration starts a new one', async () => {
  const chatId = 'live-idempotent';
  h.mock.conversation(chatId, (request) => ({ text: `answer ${request.attempt}` }));
  const handlers = h.handlers('LiveChat');
  const post = async (trigger: string) => {
    const response = await handlers.POST(
      new Request('http://backend.test/api/chat', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: chatId, messages: [userMessage(`u-${chatId}`, 'hi')], trigger }),
      }),
    );
    const { frames } = await readFrames(response);
    return {
      turn: response.headers.get('x-restate-invocation-id'),
      texts: texts(await finalMessage(frames.map((f) => f.chunk))),
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
