/**
 * Live streaming of ADK runs (`withRestate(ctx, agent, { live })` run by `runDurably`) through the stream log,
 * on a real restate-server, normal and always-replay: the live kit's scenarios (SIGKILL mid-stream, a kill right
 * after a step, a run with a tool, a zombie attempt, reconnect by offset, a run that fails for good, a model step
 * that gives up) against live-service.ts, plus what is ADK's own: a run without SSE streaming mode (each step's
 * preview is its whole answer), an answer a `beforeModelCallback` made up, and the refused misuses.
 */
import { fileURLToPath } from 'node:url';
import { agentStreamObject, streamClient } from '@restate-agents/core';
import {
  assertShownOnce,
  countChunks,
  foldLiveMessage,
  LIVE_HANDLER,
  type LiveFrame,
  messageTexts,
  readLiveTurn,
  shownText,
} from '@restate-agents/testing';
import { liveScenarios } from '@restate-agents/testing/vitest';
import { expect, it } from 'vitest';

const live = liveScenarios({
  name: 'google-adk',
  serviceEntry: fileURLToPath(new URL('./live-service.ts', import.meta.url)),
  streamObject: agentStreamObject(),
  streamClient,
  env: { ADK_LOG_LEVEL: 'warn' },
  // The kit checks the tool part's output is the tool's return value ('found o7'); ADK's FunctionTool wraps a
  // non-object return as its function response `{ result: 'found o7' }`, which is what the stream shows. The
  // tool part is checked with ADK's shape by this file's own tool-run tests below (SSE and whole answers).
  toolParts: false,
});

/** Sends `prompt` to `object/chatId` and reads its turn from the log to its end. */
async function turn(
  object: string,
  chatId: string,
  prompt: string,
): Promise<{ invocationId: string; frames: LiveFrame[] }> {
  const { invocationId } = await live.restate.send(
    { service: object, key: chatId, handler: LIVE_HANDLER },
    prompt,
  );
  const { frames, done } = await readLiveTurn(live.log.frames(chatId, { turn: invocationId }));
  expect(done).toBe(true);
  return { invocationId, frames };
}

for (const alwaysReplay of [false, true]) {
  const mode = alwaysReplay ? ' (always-replay)' : '';
  const tag = alwaysReplay ? 'replay' : 'normal';

  for (const sse of [true, false])
    it(`live${mode}: ${sse ? 'SSE streaming mode' : "without SSE streaming mode each step's preview is its whole answer"}, a run with a tool → shown once, the tool part with ADK's function response, its output before the second answer`, async () => {
      const chatId = `adk-live-${tag}-${sse ? 'sse' : 'whole'}-tool`;
      live.model.conversation(chatId, [
        {
          text: 'Let me look that up.',
          toolCalls: [{ name: 'lookup', arguments: { text: 'o7' } }],
          chunkDelayMs: 10,
        },
        { text: 'It is found: o7.', chunkDelayMs: 10 },
      ]);
      const { invocationId, frames } = await turn(
        `Live${alwaysReplay ? 'Replay' : ''}${sse ? '' : 'Whole'}Chat`,
        chatId,
        'look up o7',
      );
      const journaled = await live.restate.attach<string[]>(invocationId);
      expect(journaled).toEqual(['Let me look that up.', 'It is found: o7.']);
      await assertShownOnce(frames, journaled);
      expect(countChunks(frames, 'reset-step')).toBe(0);
      // Without SSE streaming mode, one delta per step: the whole answer at once.
      if (sse) expect(countChunks(frames, 'text-delta')).toBeGreaterThan(2);
      else expect(countChunks(frames, 'text-delta')).toBe(2);
      expect(shownText(frames)).toBe(journaled.join(''));
      expect(countChunks(frames, 'start-step')).toBe(2);
      expect(countChunks(frames, 'finish-step')).toBe(2);
      const message = await foldLiveMessage(frames);
      expect(message?.parts.filter((part) => part.type === 'tool-lookup')).toEqual([
        expect.objectContaining({
          state: 'output-available',
          input: { text: 'o7' },
          output: { result: 'found o7' },
        }),
      ]);
      const types = frames.map((frame) => frame.chunk.type);
      expect(types.indexOf('tool-output-available')).toBeGreaterThan(-1);
      expect(types.indexOf('tool-output-available')).toBeLessThan(types.lastIndexOf('text-delta'));
      expect(frames.at(-1)?.chunk.type).toBe('finish');
    });

  it(`live${mode}: an answer a beforeModelCallback made up (no model step) is shown once`, async () => {
    const chatId = `adk-live-${tag}-made-up`;
    live.model.conversation(chatId, [{ text: 'never asked' }]);
    const { invocationId, frames } = await turn(
      alwaysReplay ? 'LiveReplayChat' : 'LiveChat',
      chatId,
      'forbidden',
    );
    expect(await live.restate.attach<string[]>(invocationId)).toEqual(['Blocked by policy.']);
    expect(messageTexts(await foldLiveMessage(frames))).toEqual(['Blocked by policy.']);
    expect(shownText(frames)).toBe('Blocked by policy.');
    expect(frames.at(-1)?.chunk.type).toBe('finish');
    expect(live.model.requestsFor(chatId)).toHaveLength(0);
  });
}

it('live: a live stream that would be ignored is refused (a tree without it, a model made durable twice, a second run)', async () => {
  const refusals = {
    'tree-without-live':
      /the model of agent "assistant" does not stream live, while params.live was given.*withRestate\(ctx, agent, \{ live \}\)/,
    'model-made-durable-twice':
      /durableModel: the model ".*" is durable already, without a live stream/,
    'second-run': /this live stream's turn already ended .*one live run per invocation/,
  };
  await Promise.all(
    Object.entries(refusals).map(async ([kind, message]) => {
      const key = `adk-live-misuse-${kind}`;
      live.model.conversation(key, [{ text: 'Hi.' }]);
      const { invocationId } = await live.restate.send(
        { service: 'LiveMisuse', key, handler: 'run' },
        kind,
      );
      await expect(live.restate.attach(invocationId)).rejects.toThrow(message);
      expect(live.model.requestsFor(key)).toHaveLength(kind === 'second-run' ? 1 : 0);
    }),
  );
});
