/**
 * Live streaming of a streamed `DurableRunner` run through the stream log, on a real restate-server: a
 * SIGKILL mid-stream shows one `reset-step` and then exactly the journaled answer; a normal run with a tool
 * shows no reset and every delta once. The agent runs in a child process, the stream log in the test process.
 */
import { fileURLToPath } from 'node:url';
import { agentStreamObject, type StreamClient, streamClient } from '@restate-agents/core';
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

/** The tests of live.test.ts (normal mode, all of them) and live-replay.test.ts (always-replay, no kill). */
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
      env: {
        [CONFORMANCE_ENV.openaiBaseUrl]: mock.openaiBaseUrl,
        LIVE_INGRESS_URL: restate.ingressUrl,
      },
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
    chatId: string,
    prompt: string,
    onChunk?: (chunks: UIMessageChunk[]) => Promise<void>,
  ): Promise<{ invocationId: string; chunks: UIMessageChunk[] }> {
    const { invocationId } = await restate.send(
      { service: 'LiveChat', key: chatId, handler: 'chat' },
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
      const chatId = 'oa-live-kill-mid-stream';
      // Attempt 1 streams slowly, so the kill lands mid-stream even on a busy machine.
      mock.conversation(chatId, (request) => ({
        text: reply(request.attempt),
        chunkDelayMs: request.attempt === 1 ? 150 : 20,
      }));
      let killed = false;
      const { invocationId, chunks } = await turn(chatId, 'hello', async (seen) => {
        if (!killed && count(seen, 'text-delta') >= 3) {
          killed = true;
          await service.kill();
          void service.restart();
        }
      });
      expect(killed).toBe(true);
      const journaled = await restate.attach<string>(invocationId);
      expect(journaled).toBe(reply(2));
      expect(count(chunks, 'reset-step')).toBe(1);
      const at = chunks.findIndex((chunk) => chunk.type === 'reset-step');
      expect(JSON.stringify(chunks.slice(0, at))).toContain('alpha0');
      expect(JSON.stringify(chunks.slice(at))).not.toContain('alpha');
      expect(texts(await folded(chunks))).toEqual([journaled]);
      expect(chunks.at(-1)?.type).toBe('finish');
      expect(mock.requestsFor(chatId).map((request) => request.attempt)).toEqual([1, 2]);
    });

  it(`live: a normal run with a tool${alwaysReplay ? ' (always-replay)' : ''} → no reset-step, each delta shown once, the tool call in its step`, async () => {
    const chatId = 'oa-live-normal';
    mock.conversation(chatId, [
      {
        text: 'Let me look that up.',
        toolCalls: [{ name: 'lookup', arguments: { text: 'o7' } }],
        chunkDelayMs: 20,
      },
      { text: 'It is found: o7.', chunkDelayMs: 20 },
    ]);
    const { invocationId, chunks } = await turn(chatId, 'look up o7');
    expect(await restate.attach<string>(invocationId)).toBe('It is found: o7.');
    expect(count(chunks, 'reset-step')).toBe(0);
    const message = await folded(chunks);
    expect(texts(message)).toEqual(['Let me look that up.', 'It is found: o7.']);
    const toolPart = message?.parts.find((part) => part.type === 'tool-lookup') as
      | { state: string; input: unknown; output: unknown }
      | undefined;
    expect(toolPart).toMatchObject({
      state: 'output-available',
      input: { text: 'o7' },
      output: 'found o7',
    });
    const shown = chunks.flatMap((chunk) => (chunk.type === 'text-delta' ? [chunk.delta] : []));
    expect(shown.join('')).toBe('Let me look that up.It is found: o7.');
    expect(count(chunks, 'start-step')).toBe(2);
    expect(count(chunks, 'finish-step')).toBe(2);
  });

  it(`live: a run that fails for good${alwaysReplay ? ' (always-replay)' : ''} (a terminal error in a tool) ends the turn with an error frame`, async () => {
    const chatId = `oa-live-${alwaysReplay ? 'replay-' : ''}terminal`;
    mock.conversation(chatId, [
      { text: 'Looking.', toolCalls: [{ name: 'lookup', arguments: { text: 'boom' } }] },
    ]);
    const { invocationId, chunks } = await turn(chatId, 'look up boom');
    await expect(restate.attach(invocationId)).rejects.toThrow(/lookup failed for good/);
    expect(chunks.at(-1)).toMatchObject({
      type: 'error',
      errorText: expect.stringContaining('lookup failed for good'),
    });
  });
}
