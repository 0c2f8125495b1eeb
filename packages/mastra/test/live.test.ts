/**
 * Live streaming of a Mastra agent through the stream log, on a real restate-server, normal and always-replay
 * on one server: the live kit's crash scenarios (SIGKILL mid-stream, a kill right after a step, a zombie
 * attempt, reconnect by offset, a run that fails for good, a model step that gives up) against live-service.ts
 * (`durableAgent(...).stream()` piped by `pipeMastraStream`), plus `generate()` on a module-level agent and a
 * sub-agent, started as `useChat` does through the AI SDK adapter's chat handlers.
 */
import { fileURLToPath } from 'node:url';
import { type ChatHandlers, createChatHandlers } from '@restate-agents/ai-sdk';
import { readSseFrames } from '@restate-agents/ai-sdk/client';
import { agentStreamObject, streamClient } from '@restate-agents/core';
import { liveScenarios } from '@restate-agents/testing/vitest';
import { readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';
import { expect, it } from 'vitest';

const live = liveScenarios({
  name: 'mastra',
  serviceEntry: fileURLToPath(new URL('./live-service.ts', import.meta.url)),
  streamObject: agentStreamObject(),
  streamClient,
});

type Handler = 'generate' | 'delegate';

const handlers = (object: string, handler: Handler): ChatHandlers =>
  createChatHandlers({
    ingressUrl: live.restate.ingressUrl,
    adminUrl: live.restate.adminUrl,
    agent: { service: object, handler },
  });

/** Starts a turn as `useChat` does (POST of the chat's messages) and reads its frames to the end. */
async function turn(
  object: string,
  handler: Handler,
  chatId: string,
  text: string,
): Promise<{ invocationId: string; chunks: UIMessageChunk[]; done: boolean }> {
  const response = await handlers(object, handler).POST(
    new Request('http://backend.test/api/chat', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: chatId,
        messages: [{ id: `u-${chatId}`, role: 'user', parts: [{ type: 'text', text }] }],
        trigger: 'submit-message',
      }),
    }),
  );
  expect(response.status).toBe(200);
  const invocationId = response.headers.get('x-restate-invocation-id') ?? '';
  const chunks: UIMessageChunk[] = [];
  for await (const sse of readSseFrames(response.body as ReadableStream<Uint8Array>)) {
    if (sse.data === '[DONE]') return { invocationId, chunks, done: true };
    chunks.push(JSON.parse(sse.data) as UIMessageChunk);
  }
  return { invocationId, chunks, done: false };
}

/** The message a useChat client ends with, folded by the AI SDK's own reader. */
async function folded(chunks: UIMessageChunk[]): Promise<UIMessage | undefined> {
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

const texts = (message: UIMessage | undefined): string[] =>
  (message?.parts ?? []).flatMap((part) => (part.type === 'text' && part.text ? [part.text] : []));
const count = (chunks: UIMessageChunk[], type: string): number =>
  chunks.filter((chunk) => chunk.type === type).length;
const shown = (chunks: UIMessageChunk[]): string =>
  chunks.flatMap((chunk) => (chunk.type === 'text-delta' ? [chunk.delta] : [])).join('');

/** The number of text deltas of each step (a step ends at its `finish-step`). */
const deltasPerStep = (chunks: UIMessageChunk[]): number[] =>
  chunks
    .reduce<number[]>(
      (steps, chunk) => {
        if (chunk.type === 'text-delta') steps[steps.length - 1] = (steps.at(-1) ?? 0) + 1;
        if (chunk.type === 'finish-step') steps.push(0);
        return steps;
      },
      [0],
    )
    .slice(0, -1);

it("live: a sub-agent's steps do not stream into the turn (only the agent the user talks to streams)", async () => {
  const chatId = 'mastra-live-delegate';
  live.model.conversation(chatId, [
    {
      toolCalls: [{ name: 'agent-researcher', arguments: { prompt: 'Look up order 7.' } }],
      chunkDelayMs: 20,
    },
    { text: 'Supervisor: order 7 shipped.', chunkDelayMs: 20 },
  ]);
  live.model.conversation('mastra-live-researcher', [
    { text: 'Researcher: order 7 shipped.', chunkDelayMs: 20 },
  ]);
  const { invocationId, chunks, done } = await turn('LiveMastra', 'delegate', chatId, 'order 7?');
  expect(done).toBe(true);
  const journaled = await live.restate.attach<string[]>(invocationId);
  expect(journaled).toEqual(['', 'Supervisor: order 7 shipped.']);
  const message = await folded(chunks);
  expect(texts(message)).toEqual(['Supervisor: order 7 shipped.']);
  // The researcher's answer is the tool's output, never text of the turn.
  expect(shown(chunks)).toBe('Supervisor: order 7 shipped.');
  expect(count(chunks, 'reset-step')).toBe(0);
  expect(count(chunks, 'start-step')).toBe(2);
  expect(deltasPerStep(chunks)[1]).toBeGreaterThan(1);
  expect(message?.parts.filter((part) => part.type === 'tool-agent-researcher')).toMatchObject([
    { state: 'output-available', output: { text: 'Researcher: order 7 shipped.' } },
  ]);
});

for (const object of ['LiveMastra', 'LiveMastraReplay']) {
  const mode = object === 'LiveMastraReplay' ? ' (always-replay)' : '';

  it(`live: generate()${mode} on a module-level agent (restateModel) streams each step and ends the turn`, async () => {
    const chatId = `mastra-live-generate-${object}`;
    live.model.conversation(chatId, [
      {
        text: 'Looking it up.',
        toolCalls: [{ name: 'lookup', arguments: { text: 'g1' } }],
        chunkDelayMs: 20,
      },
      { text: 'Found g1.', chunkDelayMs: 20 },
    ]);
    const { invocationId, chunks, done } = await turn(object, 'generate', chatId, 'look up g1');
    expect(done).toBe(true);
    const journaled = await live.restate.attach<string[]>(invocationId);
    expect(journaled).toEqual(['Looking it up.', 'Found g1.']);
    expect(count(chunks, 'reset-step')).toBe(0);
    const message = await folded(chunks);
    expect(texts(message)).toEqual(journaled);
    expect(shown(chunks)).toBe(journaled.join(''));
    expect(deltasPerStep(chunks).every((deltas) => deltas > 1)).toBe(true);
    expect(message?.parts.filter((part) => part.type === 'tool-lookup')).toHaveLength(1);
    expect(chunks.at(-1)?.type).toBe('finish');
    // Streamed: the model was asked for a stream, not a whole answer.
    expect(live.model.requestsFor(chatId).every((request) => request.stream)).toBe(true);
  });
}
