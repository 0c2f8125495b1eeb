/**
 * Shared setup of the live streaming tests: a real restate-server, the stream log served in the test process
 * (an agent crash does not stop it), the chat agent in a child process, and the web handlers called with
 * web-standard Requests.
 */
import { fileURLToPath } from 'node:url';
import { agentStreamObject } from '@restate-agents/core';
import {
  CONFORMANCE_ENV,
  type MockModelServer,
  type RestateEnvironment,
  type ServiceProcess,
  startMockModel,
  startRestate,
  startServiceProcess,
} from '@restate-agents/testing';
import { readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';
import { expect } from 'vitest';
import { readSseFrames } from '../src/client/index.js';
import { type ChatHandlers, createChatHandlers } from '../src/index.js';

/** The variable live-service.ts reads Restate's ingress URL from. */
const LIVE_INGRESS_ENV = 'LIVE_INGRESS_URL';

export interface LiveHarness {
  restate: RestateEnvironment;
  mock: MockModelServer;
  service: ServiceProcess;
  handlers: (agent: string) => ChatHandlers;
  stop(): Promise<void>;
}

export async function startLiveHarness(alwaysReplay: boolean): Promise<LiveHarness> {
  const restate = await startRestate({ alwaysReplay });
  const mock = await startMockModel();
  await restate.register({ services: [agentStreamObject()] });
  const service = await startServiceProcess({
    entry: fileURLToPath(new URL('./live-service.js', import.meta.url)),
    env: {
      [CONFORMANCE_ENV.openaiBaseUrl]: mock.openaiBaseUrl,
      [LIVE_INGRESS_ENV]: restate.ingressUrl,
    },
  });
  await restate.register({ url: service.url });
  return {
    restate,
    mock,
    service,
    handlers: (agent) =>
      createChatHandlers({
        ingressUrl: restate.ingressUrl,
        adminUrl: restate.adminUrl,
        agent: { service: agent, handler: 'chat' },
      }),
    async stop() {
      await service.stop();
      await mock.close();
      await restate.stop();
    },
  };
}

/** A user message as useChat sends it. */
export function userMessage(id: string, text: string): UIMessage {
  return { id, role: 'user', parts: [{ type: 'text', text }] };
}

export function chatRequest(chatId: string, text: string): Request {
  return new Request('http://backend.test/api/chat', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      id: chatId,
      messages: [userMessage(`u-${chatId}`, text)],
      trigger: 'submit-message',
    }),
  });
}

export interface Frame {
  offset: number;
  chunk: UIMessageChunk;
}

/** Reads an SSE answer of the handlers to its [DONE]; `onFrame` may stop early by returning `false`. */
export async function readFrames(
  response: Response,
  onFrame?: (frame: Frame, frames: Frame[]) => boolean | undefined | Promise<boolean | undefined>,
): Promise<{ frames: Frame[]; done: boolean }> {
  if (!response.body) throw new Error(`no body (HTTP ${response.status})`);
  const frames: Frame[] = [];
  for await (const sse of readSseFrames(response.body)) {
    if (sse.data === '[DONE]') return { frames, done: true };
    const frame = { offset: sse.offset ?? -1, chunk: JSON.parse(sse.data) as UIMessageChunk };
    frames.push(frame);
    if ((await onFrame?.(frame, frames)) === false) {
      await response.body.cancel().catch(() => undefined);
      return { frames, done: false };
    }
  }
  return { frames, done: false };
}

/** The message a useChat client ends with, built by the AI SDK's own reader. */
export async function finalMessage(chunks: UIMessageChunk[]): Promise<UIMessage | undefined> {
  let last: UIMessage | undefined;
  const stream = new ReadableStream<UIMessageChunk>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  for await (const message of readUIMessageStream({ stream, terminateOnError: true }))
    last = message;
  return last;
}

/** The text parts of a message, in order (empty ones left out). */
export function texts(message: UIMessage | undefined): string[] {
  return (message?.parts ?? [])
    .filter((part): part is { type: 'text'; text: string } => part.type === 'text')
    .map((part) => part.text)
    .filter((text) => text.length > 0);
}

export const deltas = (frames: Frame[]): number =>
  frames.filter((frame) => frame.chunk.type === 'text-delta').length;
export const resets = (frames: Frame[]): number =>
  frames.filter((frame) => frame.chunk.type === 'reset-step').length;

/** A long reply whose words say which attempt wrote them. */
export function reply(attempt: number, words = 24): string {
  const tag = attempt === 1 ? 'alpha' : attempt === 2 ? 'bravo' : `try${attempt}`;
  return Array.from({ length: words }, (_, i) => `${tag}${i}`).join(' ');
}

/** SIGKILL the agent after the 5th live delta and restart it: one reset-step, the final message equals the journal. */
export async function killMidStream(h: LiveHarness, chatId: string): Promise<void> {
  // Attempt 1 streams slowly (2.4 s), so the kill lands mid-stream even on a busy machine.
  h.mock.conversation(chatId, (request) => ({
    text: reply(request.attempt),
    chunkDelayMs: request.attempt === 1 ? 150 : 20,
  }));
  const handlers = h.handlers('LiveChat');
  const response = await handlers.POST(chatRequest(chatId, 'hello'));
  expect(response.status).toBe(200);
  const invocationId = response.headers.get('x-restate-invocation-id') ?? '';
  let killed = false;
  const { frames, done } = await readFrames(response, async (_frame, all) => {
    if (!killed && deltas(all) >= 3) {
      killed = true;
      await h.service.kill();
      void h.service.restart();
    }
    return undefined;
  });
  expect(done).toBe(true);
  const journaled = await h.restate.attach<string[]>(invocationId);
  expect(journaled).toEqual([reply(2)]);
  expect(resets(frames)).toBe(1);
  // Before the reset: a prefix of attempt 1's reply; after it: attempt 2's only.
  const at = frames.findIndex((frame) => frame.chunk.type === 'reset-step');
  expect(JSON.stringify(frames.slice(0, at))).toContain('alpha0');
  expect(JSON.stringify(frames.slice(at))).not.toContain('alpha');
  expect(texts(await finalMessage(frames.map((frame) => frame.chunk)))).toEqual(journaled);
  // The crashed step was served twice, nothing else.
  expect(h.mock.requestsFor(chatId).map((r) => r.attempt)).toEqual([1, 2]);
}

/** SIGKILL the agent right after a model step was journaled (in the tool it asked for): no reset, no duplicate. */
export async function killAfterStep(h: LiveHarness, chatId: string): Promise<void> {
  h.mock.conversation(chatId, [
    {
      text: 'Let me look that up.',
      toolCalls: [{ name: 'lookup', arguments: { text: 'o7' } }],
      chunkDelayMs: 20,
    },
    { text: 'It is found: o7.', chunkDelayMs: 20 },
  ]);
  await h.service.armCrash('live-in-tool');
  const crashed = h.service.crashed();
  const response = await h.handlers('LiveChat').POST(chatRequest(chatId, 'look up o7'));
  const invocationId = response.headers.get('x-restate-invocation-id') ?? '';
  const reading = readFrames(response);
  await crashed;
  await h.service.restart();
  const { frames, done } = await reading;
  expect(done).toBe(true);
  const journaled = await h.restate.attach<string[]>(invocationId);
  expect(resets(frames)).toBe(0);
  const message = await finalMessage(frames.map((frame) => frame.chunk));
  expect(texts(message)).toEqual(journaled.filter((text) => text.length > 0));
  expect(message?.parts.filter((part) => part.type === 'tool-lookup')).toHaveLength(1);
  // Every text delta was shown once: the sealed previews were not repeated by the replay.
  const shown = frames
    .filter((f) => f.chunk.type === 'text-delta')
    .map((f) => (f.chunk as { delta: string }).delta);
  expect(shown.join('')).toBe(journaled.join(''));
}
