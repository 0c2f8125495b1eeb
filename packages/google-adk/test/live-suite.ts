/**
 * Live streaming of ADK runs through the stream log, on a real restate-server, read the way a chat UI reads
 * it: through ai-sdk's `createChatHandlers` (POST → SSE), folded by the AI SDK's own `readUIMessageStream`. The
 * agent runs in a child process (live-service.ts) the tests SIGKILL; the stream log lives in the test process.
 * One restate-server runs both modes: the always-replay tests use live-service.ts's `LiveReplay…` objects
 * (`inactivityTimeout: 0`: every journaled step ends the attempt and the handler replays).
 */
import { fileURLToPath } from 'node:url';
import { createChatHandlers } from '@restate-agents/ai-sdk';
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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** live-service.ts's chat objects: SSE streaming mode, and without it. */
type ChatObject = 'LiveChat' | 'LiveWholeChat' | 'LiveGiveUpChat';

interface Frame {
  offset: number;
  chunk: UIMessageChunk;
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
const count = (frames: Frame[], type: string): number =>
  frames.filter((frame) => frame.chunk.type === type).length;
const shownText = (frames: Frame[]): string =>
  frames.map((frame) => (frame.chunk.type === 'text-delta' ? frame.chunk.delta : '')).join('');

/** A long reply whose words say which attempt wrote them. */
const reply = (attempt: number): string =>
  Array.from({ length: 24 }, (_, i) => `${attempt === 1 ? 'alpha' : 'bravo'}${i}`).join(' ');

/** A turn that asks for the lookup tool, then answers. */
const toolScript = (chunkDelayMs: number) => [
  {
    text: 'Let me look that up.',
    toolCalls: [{ name: 'lookup', arguments: { text: 'o7' } }],
    chunkDelayMs,
  },
  { text: 'It is found: o7.', chunkDelayMs },
];

/** The live tests, in normal and always-replay mode, against one restate-server and one agent process. */
export function liveSuite(): void {
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
        [CONFORMANCE_ENV.geminiBaseUrl]: mock.geminiBaseUrl,
        LIVE_INGRESS_URL: restate.ingressUrl,
        ADK_LOG_LEVEL: 'warn',
      },
    });
    await restate.register({ url: service.url });
  }, 120_000);
  afterAll(async () => {
    await service?.stop();
    await mock?.close();
    await restate?.stop();
  }, 60_000);

  for (const alwaysReplay of [false, true])
    describe(alwaysReplay ? 'always-replay' : 'normal', () => modeTests(alwaysReplay));

  function modeTests(alwaysReplay: boolean): void {
    const mode = alwaysReplay ? ' (always-replay)' : '';
    const tag = alwaysReplay ? 'replay' : 'normal';

    /**
     * Sends `prompt` as useChat does, through ai-sdk's chat handlers, and reads the SSE answer to its `[DONE]`;
     * `onFrame` runs after each frame.
     */
    async function turn(
      agent: ChatObject,
      chatId: string,
      prompt: string,
      onFrame?: (frames: Frame[]) => Promise<void>,
    ): Promise<{ invocationId: string; frames: Frame[] }> {
      const handlers = createChatHandlers({
        ingressUrl: restate.ingressUrl,
        // The always-replay objects of live-service.ts.
        agent: {
          service: alwaysReplay ? agent.replace(/^Live/, 'LiveReplay') : agent,
          handler: 'chat',
        },
      });
      const response = await handlers.POST(
        new Request('http://backend.test/api/chat', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            id: chatId,
            messages: [
              { id: `u-${chatId}`, role: 'user', parts: [{ type: 'text', text: prompt }] },
            ],
            trigger: 'submit-message',
          }),
        }),
      );
      expect(response.status).toBe(200);
      const invocationId = response.headers.get('x-restate-invocation-id') ?? '';
      const frames: Frame[] = [];
      let done = false;
      for await (const sse of readSseFrames(response.body as ReadableStream<Uint8Array>)) {
        if (sse.data === '[DONE]') {
          done = true;
          break;
        }
        frames.push({ offset: sse.offset ?? -1, chunk: JSON.parse(sse.data) as UIMessageChunk });
        await onFrame?.(frames);
      }
      expect(done).toBe(true);
      return { invocationId, frames };
    }

    /** A run with a tool: no reset, each delta once, the tool call and its output in the folded message. */
    async function toolRun(agent: ChatObject, chatId: string): Promise<void> {
      mock.conversation(chatId, toolScript(20));
      const { invocationId, frames } = await turn(agent, chatId, 'look up o7');
      const journaled = await restate.attach<string[]>(invocationId);
      expect(journaled).toEqual(['Let me look that up.', 'It is found: o7.']);
      expect(count(frames, 'reset-step')).toBe(0);
      const message = await folded(frames.map((frame) => frame.chunk));
      expect(texts(message)).toEqual(journaled);
      expect(message?.parts.filter((part) => part.type === 'tool-lookup')).toEqual([
        expect.objectContaining({
          state: 'output-available',
          input: { text: 'o7' },
          output: { result: 'found o7' },
        }),
      ]);
      expect(shownText(frames)).toBe(journaled.join(''));
      expect(count(frames, 'start-step')).toBe(2);
      expect(count(frames, 'finish-step')).toBe(2);
      expect(frames.at(-1)?.chunk.type).toBe('finish');
      // The tool's output comes before the second answer's first word.
      const output = frames.findIndex((frame) => frame.chunk.type === 'tool-output-available');
      const second = frames.findIndex(
        (frame) => frame.chunk.type === 'text-delta' && frame.chunk.id === 'text-2',
      );
      expect(output).toBeGreaterThan(-1);
      expect(output).toBeLessThan(second);
    }

    it(`live${mode}: SSE streaming mode, a run with a tool → no reset-step, each delta shown once, the tool call and output in the message`, () =>
      toolRun('LiveChat', `adk-live-${tag}-tool`));

    it(`live${mode}: without SSE streaming mode each step's preview is its whole answer, shown once`, async () => {
      const chatId = `adk-live-${tag}-whole`;
      await toolRun('LiveWholeChat', chatId);
    });

    it(`live${mode}: SIGKILL mid-stream → one reset-step, and the folded message is exactly the journaled answer`, async () => {
      const chatId = `adk-live-${tag}-kill-mid-stream`;
      // Attempt 1 streams slowly (3.6 s), so the kill lands mid-stream even on a busy machine.
      mock.conversation(chatId, (request) => ({
        text: reply(request.attempt),
        chunkDelayMs: request.attempt === 1 ? 150 : 10,
      }));
      let killed = false;
      const { invocationId, frames } = await turn('LiveChat', chatId, 'hello', async (seen) => {
        if (!killed && count(seen, 'text-delta') >= 3) {
          killed = true;
          await service.kill();
          void service.restart();
        }
      });
      expect(killed).toBe(true);
      const journaled = await restate.attach<string[]>(invocationId);
      expect(journaled).toEqual([reply(2)]);
      expect(count(frames, 'reset-step')).toBe(1);
      // Before the reset: a prefix of attempt 1's reply; after it: attempt 2's only.
      const at = frames.findIndex((frame) => frame.chunk.type === 'reset-step');
      expect(JSON.stringify(frames.slice(0, at))).toContain('alpha0');
      expect(JSON.stringify(frames.slice(at))).not.toContain('alpha');
      expect(texts(await folded(frames.map((frame) => frame.chunk)))).toEqual(journaled);
      expect(frames.at(-1)?.chunk.type).toBe('finish');
      expect(mock.requestsFor(chatId).map((request) => request.attempt)).toEqual([1, 2]);
    });

    it(`live${mode}: a SIGKILL right after a step (in the tool it asked for) → no reset-step, no word twice`, async () => {
      const chatId = `adk-live-${tag}-kill-after-step`;
      mock.conversation(chatId, toolScript(10));
      await service.armCrash('live-in-tool');
      const crashed = service.crashed();
      const reading = turn('LiveChat', chatId, 'look up o7');
      await crashed;
      await service.restart();
      const { invocationId, frames } = await reading;
      const journaled = await restate.attach<string[]>(invocationId);
      expect(journaled).toEqual(['Let me look that up.', 'It is found: o7.']);
      expect(count(frames, 'reset-step')).toBe(0);
      const message = await folded(frames.map((frame) => frame.chunk));
      expect(texts(message)).toEqual(journaled);
      expect(message?.parts.filter((part) => part.type === 'tool-lookup')).toHaveLength(1);
      // The sealed previews were not repeated by the replay; each model request was made once.
      expect(shownText(frames)).toBe(journaled.join(''));
      expect(mock.requestsFor(chatId).map((request) => request.turnIndex)).toEqual([0, 1]);
    });

    it(`live${mode}: an answer a beforeModelCallback made up (no model step) is shown once`, async () => {
      const chatId = `adk-live-${tag}-made-up`;
      mock.conversation(chatId, [{ text: 'never asked' }]);
      const { invocationId, frames } = await turn('LiveChat', chatId, 'forbidden');
      expect(await restate.attach<string[]>(invocationId)).toEqual(['Blocked by policy.']);
      expect(texts(await folded(frames.map((frame) => frame.chunk)))).toEqual([
        'Blocked by policy.',
      ]);
      expect(shownText(frames)).toBe('Blocked by policy.');
      expect(frames.at(-1)?.chunk.type).toBe('finish');
      expect(mock.requestsFor(chatId)).toHaveLength(0);
    });

    if (!alwaysReplay)
      it('live: a model step that gives up at its retry cap retracts the text its preview showed, and the turn ends with an error frame', async () => {
        const chatId = 'adk-live-give-up';
        // The only attempt streams part of its answer, then the connection breaks: the step gives up.
        mock.conversation(chatId, () => ({
          text: reply(1),
          chunkDelayMs: 10,
          faults: [{ kind: 'reset' }],
        }));
        const { invocationId, frames } = await turn('LiveGiveUpChat', chatId, 'hi');
        await expect(restate.attach(invocationId)).rejects.toThrow();
        expect(count(frames, 'text-delta')).toBeGreaterThan(0);
        expect(count(frames, 'reset-step')).toBe(1);
        const at = frames.findIndex((frame) => frame.chunk.type === 'reset-step');
        expect(JSON.stringify(frames.slice(at))).not.toContain('alpha');
        expect(frames.at(-1)?.chunk.type).toBe('error');
        expect(mock.requestsFor(chatId)).toHaveLength(1);
      });

    if (!alwaysReplay)
      it('live: a live stream that would be ignored is refused (a tree without it, a model made durable twice, a second run)', async () => {
        const refusals = {
          'tree-without-live':
            /the model of agent "assistant" does not stream live, while params.live was given.*withRestate\(ctx, agent, \{ live \}\)/,
          'model-made-durable-twice':
            /durableModel: the model ".*" is durable already, without a live stream/,
          'second-run': /this live stream's turn already ended .*one live run per invocation/,
        };
        for (const [kind, message] of Object.entries(refusals)) {
          const key = `adk-live-misuse-${kind}`;
          mock.conversation(key, [{ text: 'Hi.' }]);
          const { invocationId } = await restate.send(
            { service: 'LiveMisuse', key, handler: 'run' },
            kind,
          );
          await expect(restate.attach(invocationId)).rejects.toThrow(message);
          expect(mock.requestsFor(key)).toHaveLength(kind === 'second-run' ? 1 : 0);
        }
      });

    it(`live${mode}: a run that fails for good (a TerminalError in a tool) ends the turn with an error frame`, async () => {
      const chatId = `adk-live-${tag}-terminal`;
      mock.conversation(chatId, [
        { text: 'Looking.', toolCalls: [{ name: 'lookup', arguments: { text: 'boom' } }] },
      ]);
      const { invocationId, frames } = await turn('LiveChat', chatId, 'look up boom');
      await expect(restate.attach(invocationId)).rejects.toThrow(/lookup failed for good/);
      expect(frames.at(-1)?.chunk).toMatchObject({
        type: 'error',
        errorText: expect.stringContaining('lookup failed for good'),
      });
    });
  }
}
