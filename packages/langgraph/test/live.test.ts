/**
 * Live streaming of a LangGraph graph run by `durableGraph(ctx, graph, { live })` through the stream log, on
 * a real restate-server, normal and always-replay: the live kit's crash scenarios (SIGKILL mid-stream, a kill
 * right after a step, a zombie attempt, reconnect by offset, a run that fails for good, a model step that
 * gives up) against live-service.ts, plus a run through `durable.stream(...)`.
 */
import { fileURLToPath } from 'node:url';
import { agentStreamObject, streamClient } from '@restate-agents/core';
import {
  assertShownOnce,
  countChunks,
  foldLiveMessage,
  LIVE_HANDLER,
  readLiveTurn,
} from '@restate-agents/testing';
import { liveScenarios } from '@restate-agents/testing/vitest';
import { expect, it } from 'vitest';

const live = liveScenarios({
  name: 'langgraph',
  serviceEntry: fileURLToPath(new URL('./live-service.ts', import.meta.url)),
  streamObject: agentStreamObject(),
  streamClient,
});

it('live: a run through durable.stream (streamMode updates) → the tool result once, between the two steps, and the turn ended', async () => {
  const chatId = 'lg-live-stream';
  live.model.conversation(chatId, [
    {
      text: 'Let me look that up.',
      toolCalls: [{ name: 'lookup', arguments: { text: 'o7' } }],
      chunkDelayMs: 10,
    },
    { text: 'It is found: o7.', chunkDelayMs: 10 },
  ]);
  const { invocationId } = await live.restate.send(
    { service: 'LiveGraphStream', key: chatId, handler: LIVE_HANDLER },
    'look up o7',
  );
  const { frames, done } = await readLiveTurn(live.log.frames(chatId, { turn: invocationId }));
  expect(done).toBe(true);
  const answer = await live.restate.attach<string[]>(invocationId);
  expect(answer).toEqual(['Let me look that up.', 'It is found: o7.']);
  await assertShownOnce(frames, answer);
  expect(countChunks(frames, 'reset-step')).toBe(0);
  // The ToolNode's result, between the two model steps, once.
  expect(countChunks(frames, 'tool-output-available')).toBe(1);
  const types = frames.map((frame) => frame.chunk.type);
  expect(types.indexOf('tool-output-available')).toBeGreaterThan(types.indexOf('finish-step'));
  expect(types.indexOf('tool-output-available')).toBeLessThan(types.lastIndexOf('start-step'));
  const message = await foldLiveMessage(frames);
  expect(message?.parts.filter((part) => part.type === 'tool-lookup')).toMatchObject([
    { state: 'output-available', input: { text: 'o7' }, output: 'found o7' },
  ]);
  expect(frames.at(-1)?.chunk.type).toBe('finish');
});
