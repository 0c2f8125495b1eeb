/**
 * The live streaming tests (live.test.ts: normal mode, all of them; live-replay.test.ts: always-replay, no
 * kill) of a LangGraph graph run by `durableGraph(ctx, graph, { live })` through the stream log, on a real
 * restate-server: the agent node's `durableChatModel({ live })` streams the text, `durableGraph` sends the
 * ToolNode's results and ends the turn. A SIGKILL mid-stream shows one `reset-step` and then exactly the
 * journaled answer; a normal run (with a tool) shows no reset, the tool's result once, and ends the turn; a run
 * that fails for good ends it with an `error` frame. The agent runs in a child process, the stream log in the
 * test process.
 */
import { fileURLToPath } from 'node:url';
import { agentStreamObject, type StreamClient, streamClient } from '@restate-agents/core';
import {
  type MockModelServer,
  type RestateEnvironment,
  type ServiceProcess,
  startMockModel,
  startRestate,
  startServiceProcess,
} from '@restate-agents/testing';
import { readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';
import { afterAll, beforeAll, expect, it } from 'vitest';

/** Registers the live tests on a restate-server of their own (always-replay or not). */
export function liveSuite(alwaysReplay: boolean): void {
  let restate: RestateEnvironment;
  let mock: MockModelServer;
  let service: ServiceProcess;
  let log: StreamClient;

  beforeAll(async () => {
    restate = await startRestate({ alwaysReplay });
    mock = await startMockModel();
    await restate.register({ services: [agentStreamObject()] });
    service = await startServiceProcess({
      entry: fileURLToPath(new URL('./live-service.js', import.meta.url)),
      env: { OPENAI_BASE_URL: mock.openaiBaseUrl, LIVE_INGRESS_URL: restate.ingressUrl },
    });
    await restate.register({ url: service.url });
    log = streamClient({ ingressUrl: restate.ingressUrl });
  });
  afterAll(async () => {
    await service?.stop();
    await mock?.close();
    await restate?.stop();
  });

  /** Starts a turn of chat `chatId` and reads its frames to the end; `onChunk` runs after each one. */
  async function turn(
    handler: 'chat' | 'chatStream',
    chatId: string,
    prompt: string,
    onChunk?: (chunks: UIMessageChunk[]) => Promise<void>,
  ): Promise<{ invocationId: string; chunks: UIMessageChunk[] }> {
    const { invocationId } = await restate.send(
      { service: 'LiveGraph', key: chatId, handler },
      prompt,
    );
    const chunks: UIMessageChunk[] = [];
    for await (const frame of log.frames(chatId, { turn: invocationId })) {
      chunks.push(frame.chunk as UIMessageChunk);
      await onChunk?.(chunks);
    }
    return { invocationId, chunks };
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
    (message?.parts ?? []).flatMap((part) =>
      part.type === 'text' && part.text ? [part.text] : [],
    );
  const count = (chunks: UIMessageChunk[], type: string): number =>
    chunks.filter((chunk) => chunk.type === type).length;

  /** A long reply whose words say which attempt wrote them. */
  const reply = (attempt: number): string =>
    Array.from({ length: 24 }, (_, i) => `${attempt === 1 ? 'alpha' : 'bravo'}${i}`).join(' ');

  if (!alwaysReplay)
    it('live: SIGKILL mid-stream → one reset-step, and the folded message is exactly the journaled answer', async () => {
      const chatId = 'lg-live-kill-mid-stream';
      // Attempt 1 streams slowly, so the kill lands mid-stream even on a busy machine.
      mock.conversation(chatId, (request) => ({
        text: reply(request.attempt),
        chunkDelayMs: request.attempt === 1 ? 150 : 20,
      }));
      let killed = false;
      const { invocationId, chunks } = await turn('chat', chatId, 'hello', async (seen) => {
        if (!killed && count(seen, 'text-delta') >= 3) {
          killed = true;
          await service.kill();
          void service.restart();
        }
      });
      expect(killed).toBe(true);
      const [journaled] = await restate.attach<string[]>(invocationId);
      expect(journaled).toBe(reply(2));
      expect(count(chunks, 'reset-step')).toBe(1);
      const at = chunks.findIndex((chunk) => chunk.type === 'reset-step');
      expect(JSON.stringify(chunks.slice(0, at))).toContain('alpha0');
      expect(JSON.stringify(chunks.slice(at))).not.toContain('alpha');
      expect(texts(await folded(chunks))).toEqual([journaled]);
      // durableGraph ended the turn.
      expect(chunks.at(-1)?.type).toBe('finish');
      expect(mock.requestsFor(chatId).map((request) => request.attempt)).toEqual([1, 2]);
    });

  it(`live: a normal streamed run with a tool${alwaysReplay ? ' (always-replay)' : ''} → no reset-step, each delta and the tool result once, the turn ended`, async () => {
    const chatId = `lg-live-${alwaysReplay ? 'replay-' : ''}normal`;
    mock.conversation(chatId, [
      {
        text: 'Let me look that up.',
        toolCalls: [{ name: 'lookup', arguments: { text: 'o7' } }],
        chunkDelayMs: 20,
      },
      { text: 'It is found: o7.', chunkDelayMs: 20 },
    ]);
    const { invocationId, chunks } = await turn('chatStream', chatId, 'look up o7');
    expect(await restate.attach<string[]>(invocationId)).toEqual([
      'Let me look that up.',
      'It is found: o7.',
    ]);
    expect(count(chunks, 'reset-step')).toBe(0);
    const message = await folded(chunks);
    expect(texts(message)).toEqual(['Let me look that up.', 'It is found: o7.']);
    // The ToolNode's result, between the two model steps, once.
    expect(count(chunks, 'tool-output-available')).toBe(1);
    expect(message?.parts.filter((part) => part.type === 'tool-lookup')).toMatchObject([
      {
        toolCallId: expect.any(String),
        state: 'output-available',
        input: { text: 'o7' },
        output: 'found o7',
      },
    ]);
    const types = chunks.map((chunk) => chunk.type);
    expect(types.indexOf('tool-output-available')).toBeGreaterThan(types.indexOf('finish-step'));
    expect(types.indexOf('tool-output-available')).toBeLessThan(types.lastIndexOf('start-step'));
    const shown = chunks.flatMap((chunk) => (chunk.type === 'text-delta' ? [chunk.delta] : []));
    expect(shown.join('')).toBe('Let me look that up.It is found: o7.');
    expect(count(chunks, 'start-step')).toBe(2);
    expect(count(chunks, 'finish-step')).toBe(2);
    expect(chunks.at(-1)?.type).toBe('finish');
  });

  it(`live: a run that fails for good${alwaysReplay ? ' (always-replay)' : ''} (a terminal error in a tool) ends the turn with an error frame`, async () => {
    const chatId = `lg-live-${alwaysReplay ? 'replay-' : ''}terminal`;
    mock.conversation(chatId, [
      { text: 'Looking.', toolCalls: [{ name: 'lookup', arguments: { text: 'boom' } }] },
    ]);
    const { invocationId, chunks } = await turn('chat', chatId, 'look up boom');
    await expect(restate.attach(invocationId)).rejects.toThrow(/lookup failed for good/);
    expect(texts(await folded(chunks.slice(0, -1)))).toEqual(['Looking.']);
    expect(chunks.at(-1)).toMatchObject({
      type: 'error',
      errorText: expect.stringContaining('lookup failed for good'),
    });
  });
}
