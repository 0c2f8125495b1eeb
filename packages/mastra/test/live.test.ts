/**
 * Live streaming of a Mastra agent through the stream log, on a real restate-server: the agent (live-service.ts)
 * runs in a child process the tests SIGKILL, the stream log and the AI SDK adapter's chat handlers (what a web
 * backend serves `useChat` with) in the test process. A SIGKILL mid-stream shows one `reset-step` and then
 * exactly the journaled answer; a kill right after a step shows no reset and no duplicate; `generate()` streams
 * and ends the turn too; a run that fails for good ends it with an `error` frame. The `(always-replay)` tests
 * run the same agent as an object whose every journaled step ends the attempt (`inactivityTimeout: 0`).
 */
import { fileURLToPath } from 'node:url';
import { type ChatHandlers, createChatHandlers } from '@restate-agents/ai-sdk';
import { readSseFrames } from '@restate-agents/ai-sdk/client';
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
import { afterAll, beforeAll, expect, it } from 'vitest';

let restate: RestateEnvironment;
let mock: MockModelServer;
let service: ServiceProcess;

beforeAll(async () => {
  restate = await startRestate();
  mock = await startMockModel();
  await restate.register({ services: [agentStreamObject()] });
  service = await startServiceProcess({
    entry: fileURLToPath(new URL('./live-service.ts', import.meta.url)),
    env: {
      [CONFORMANCE_ENV.openaiBaseUrl]: mock.openaiBaseUrl,
      LIVE_INGRESS_URL: restate.ingressUrl,
    },
  });
  await restate.register({ url: service.url });
});
afterAll(async () => {
  await service?.stop();
  await mock?.close();
  await restate?.stop();
});

type Handler = 'chat' | 'generate' | 'delegate' | 'giveUp';

const handlers = (object: string, handler: Handler): ChatHandlers =>
  createChatHandlers({
    ingressUrl: restate.ingressUrl,
    adminUrl: restate.adminUrl,
    agent: { service: object, handler },
  });

/** Starts a turn as `useChat` does (POST of the chat's messages) and reads its frames to the end. */
async function turn(
  object: string,
  handler: Handler,
  chatId: string,
  text: string,
  onChunk?: (chunks: UIMessageChunk[]) => Promise<void>,
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
    await onChunk?.(chunks);
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

/** A long reply whose words say which attempt wrote them. */
const reply = (attempt: number): string =>
  Array.from({ length: 24 }, (_, i) => `${attempt === 1 ? 'alpha' : 'bravo'}${i}`).join(' ');

it('live: SIGKILL mid-stream → one reset-step, and the folded message is exactly the journaled answer', async () => {
  const chatId = 'mastra-live-kill-mid-stream';
  // Attempt 1 streams slowly, so the kill lands mid-stream even on a busy machine.
  mock.conversation(chatId, (request) => ({
    text: reply(request.attempt),
    chunkDelayMs: request.attempt === 1 ? 150 : 20,
  }));
  let killed = false;
  const { invocationId, chunks, done } = await turn(
    'LiveMastra',
    'chat',
    chatId,
    'hello',
    async (seen) => {
      if (!killed && count(seen, 'text-delta') >= 3) {
        killed = true;
        await service.kill();
        void service.restart();
      }
    },
  );
  expect(killed).toBe(true);
  expect(done).toBe(true);
  const journaled = await restate.attach<string[]>(invocationId);
  expect(journaled).toEqual([reply(2)]);
  expect(count(chunks, 'reset-step')).toBe(1);
  // Before the reset: a prefix of attempt 1's reply; after it: attempt 2's only.
  const at = chunks.findIndex((chunk) => chunk.type === 'reset-step');
  expect(JSON.stringify(chunks.slice(0, at))).toContain('alpha0');
  expect(JSON.stringify(chunks.slice(at))).not.toContain('alpha');
  expect(texts(await folded(chunks))).toEqual(journaled);
  expect(chunks[0]?.type).toBe('start');
  expect(chunks.at(-1)?.type).toBe('finish');
  expect(mock.requestsFor(chatId).map((request) => request.attempt)).toEqual([1, 2]);
});

it("live: a sub-agent's steps do not stream into the turn (only the agent the user talks to streams)", async () => {
  const chatId = 'mastra-live-delegate';
  mock.conversation(chatId, [
    {
      toolCalls: [{ name: 'agent-researcher', arguments: { prompt: 'Look up order 7.' } }],
      chunkDelayMs: 20,
    },
    { text: 'Supervisor: order 7 shipped.', chunkDelayMs: 20 },
  ]);
  mock.conversation('mastra-live-researcher', [
    { text: 'Researcher: order 7 shipped.', chunkDelayMs: 20 },
  ]);
  const { invocationId, chunks, done } = await turn('LiveMastra', 'delegate', chatId, 'order 7?');
  expect(done).toBe(true);
  const journaled = await restate.attach<string[]>(invocationId);
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

it('live: a model step that gives up at its retry cap mid-stream → its preview retracted, the turn ended with an error frame', async () => {
  const chatId = 'mastra-live-give-up';
  // The only attempt streams part of the answer, then the connection breaks.
  mock.conversation(chatId, [{ text: reply(1), chunkDelayMs: 20, faults: [{ kind: 'reset' }] }]);
  const { invocationId, chunks, done } = await turn('LiveMastra', 'giveUp', chatId, 'hello');
  expect(done).toBe(true);
  await expect(restate.attach(invocationId)).rejects.toThrow();
  // The half answer the attempt streamed was shown, then retracted (or, if its preview was still held back, never
  // shown): nothing of it after the reset.
  expect(count(chunks, 'reset-step')).toBeLessThanOrEqual(1);
  const at = chunks.findIndex((chunk) => chunk.type === 'reset-step');
  expect(JSON.stringify(chunks.slice(at + 1))).not.toContain('alpha');
  // Nothing of the failed attempt is left in the message: Mastra's own error chunk held back, one error frame.
  expect(texts(await folded(chunks.slice(0, -1)))).toEqual([]);
  expect(chunks.at(-1)?.type).toBe('error');
  expect(count(chunks, 'error')).toBe(1);
  expect(mock.requestsFor(chatId)).toHaveLength(1);
});

for (const object of ['LiveMastra', 'LiveMastraReplay']) {
  const mode = object === 'LiveMastraReplay' ? ' (always-replay)' : '';

  // Normal mode: a SIGKILL right after the first step; always-replay: the same run without a kill (a replay
  // after every step sends every step's commit and events again).
  const kill = object === 'LiveMastra';
  it(`live: a streamed run with a tool${mode}${kill ? ', SIGKILL right after its first step (in the tool it asked for),' : ''} → no reset-step, each delta once, the tool once`, async () => {
    const chatId = `mastra-live-tool-${object}`;
    mock.conversation(chatId, [
      {
        text: 'Let me look that up.',
        toolCalls: [{ name: 'lookup', arguments: { text: 'o7' } }],
        chunkDelayMs: 20,
      },
      { text: 'It is found: o7.', chunkDelayMs: 20 },
    ]);
    let reading: ReturnType<typeof turn>;
    if (kill) {
      await service.armCrash('live-in-tool');
      const crashed = service.crashed();
      reading = turn(object, 'chat', chatId, 'look up o7');
      await crashed;
      await service.restart();
    } else {
      reading = turn(object, 'chat', chatId, 'look up o7');
    }
    const { invocationId, chunks, done } = await reading;
    expect(done).toBe(true);
    const journaled = await restate.attach<string[]>(invocationId);
    expect(journaled).toEqual(['Let me look that up.', 'It is found: o7.']);
    expect(count(chunks, 'reset-step')).toBe(0);
    const message = await folded(chunks);
    expect(texts(message)).toEqual(journaled);
    expect(shown(chunks)).toBe(journaled.join(''));
    // Live: the client saw each step's tokens as the model sent them (the sealed previews), not the journaled
    // answers rebuilt after each step (one delta per text).
    expect(deltasPerStep(chunks).every((deltas) => deltas > 1)).toBe(true);
    // The tool's call and result, between the two steps, once each.
    expect(count(chunks, 'tool-input-available')).toBe(1);
    expect(count(chunks, 'tool-output-available')).toBe(1);
    expect(message?.parts.filter((part) => part.type === 'tool-lookup')).toMatchObject([
      { state: 'output-available', input: { text: 'o7' }, output: 'found o7' },
    ]);
    const types = chunks.map((chunk) => chunk.type);
    expect(types.indexOf('tool-output-available')).toBeLessThan(types.lastIndexOf('start-step'));
    expect(count(chunks, 'start-step')).toBe(2);
    expect(count(chunks, 'finish-step')).toBe(2);
    expect(count(chunks, 'start')).toBe(1);
    expect(types[0]).toBe('start');
    expect(chunks.at(-1)?.type).toBe('finish');
    // The model answered each step once: the kill came after the first was journaled.
    expect(mock.requestsFor(chatId).map((request) => request.attempt)).toEqual([1, 1]);
  });

  it(`live: generate()${mode} on a module-level agent (restateModel) streams each step and ends the turn`, async () => {
    const chatId = `mastra-live-generate-${object}`;
    mock.conversation(chatId, [
      {
        text: 'Looking it up.',
        toolCalls: [{ name: 'lookup', arguments: { text: 'g1' } }],
        chunkDelayMs: 20,
      },
      { text: 'Found g1.', chunkDelayMs: 20 },
    ]);
    const { invocationId, chunks, done } = await turn(object, 'generate', chatId, 'look up g1');
    expect(done).toBe(true);
    const journaled = await restate.attach<string[]>(invocationId);
    expect(journaled).toEqual(['Looking it up.', 'Found g1.']);
    expect(count(chunks, 'reset-step')).toBe(0);
    const message = await folded(chunks);
    expect(texts(message)).toEqual(journaled);
    expect(shown(chunks)).toBe(journaled.join(''));
    expect(deltasPerStep(chunks).every((deltas) => deltas > 1)).toBe(true);
    expect(message?.parts.filter((part) => part.type === 'tool-lookup')).toHaveLength(1);
    expect(chunks.at(-1)?.type).toBe('finish');
    // Streamed: the model was asked for a stream, not a whole answer.
    expect(mock.requestsFor(chatId).every((request) => request.stream)).toBe(true);
  });

  it(`live: a run that fails for good${mode} (a TerminalError in a tool) ends the turn with an error frame`, async () => {
    const chatId = `mastra-live-terminal-${object}`;
    mock.conversation(chatId, [
      { text: 'Looking.', toolCalls: [{ name: 'lookup', arguments: { text: 'boom' } }] },
    ]);
    const { invocationId, chunks, done } = await turn(object, 'chat', chatId, 'look up boom');
    expect(done).toBe(true);
    await expect(restate.attach(invocationId)).rejects.toThrow(/lookup failed for good/);
    expect(texts(await folded(chunks.slice(0, -1)))).toEqual(['Looking.']);
    expect(chunks.at(-1)).toMatchObject({
      type: 'error',
      errorText: expect.stringContaining('lookup failed for good'),
    });
    expect(count(chunks, 'error')).toBe(1);
  });
}
