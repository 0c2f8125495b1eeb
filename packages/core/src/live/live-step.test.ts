import { TerminalError } from '@restatedev/restate-sdk';
import { describe, expect, it } from 'vitest';
import { liveChunks, liveModelStep, textPreview } from './live-step.js';
import type { LiveAttempt, LiveStream } from './live-stream.js';
import type { LiveReceipt, StreamChunk } from './stream-records.js';

/** What an emitter was asked to send, in order. */
type Sent =
  | { event: StreamChunk; covers?: number }
  | { commit: number; receipt: LiveReceipt | undefined }
  | { push: StreamChunk }
  | { end: unknown };

function recorder(): { live: LiveStream; sent: Sent[] } {
  const sent: Sent[] = [];
  let segments = 0;
  const live: LiveStream = {
    streamId: 's',
    turn: 'inv_1',
    segment() {
      segments += 1;
      const seg = segments;
      return {
        seg,
        attempt: (): LiveAttempt => ({
          att: `a${seg}`,
          push: (chunk) => sent.push({ push: chunk }),
          end: async () => ({ att: `a${seg}`, count: 1, complete: true }),
        }),
        commit: (receipt) => sent.push({ commit: seg, receipt }),
      };
    },
    event: (chunk, options) => sent.push({ event: chunk, ...options }),
    end: async (outcome) => {
      sent.push({ end: outcome ?? 'done' });
      return true;
    },
    flush: async () => true,
    orderSegments: () => undefined,
  };
  return { live, sent };
}

describe('liveModelStep', () => {
  it('commits the journaled receipt after the step, with the step number', async () => {
    const { live, sent } = recorder();
    const value = await liveModelStep(
      live,
      async (preview, seg) => {
        const attempt = preview();
        return { seg, live: await attempt?.end() };
      },
      (v) => v.live,
    );
    expect(value.seg).toBe(1);
    expect(sent).toEqual([{ commit: 1, receipt: { att: 'a1', count: 1, complete: true } }]);
  });

  it('a step that failed for good commits without a receipt; no live stream means no preview', async () => {
    const { live, sent } = recorder();
    await expect(
      liveModelStep(
        live,
        async () => Promise.reject(new TerminalError('no')),
        () => undefined,
      ),
    ).rejects.toThrow('no');
    expect(sent).toEqual([{ commit: 1, receipt: undefined }]);
    expect(
      await liveModelStep(
        undefined,
        async (preview, seg) => [preview(), seg],
        () => undefined,
      ),
    ).toEqual([undefined, 0]);
  });

  it('a suspension commits nothing: the replay commits the step', async () => {
    const { live, sent } = recorder();
    const suspended = Object.assign(new Error('suspended'), { name: 'RestateError', code: 599 });
    await expect(
      liveModelStep(
        live,
        async () => Promise.reject(suspended),
        () => undefined,
      ),
    ).rejects.toBe(suspended);
    expect(sent).toEqual([]);
  });
});

describe('textPreview', () => {
  it('opens the text part at the first non-empty delta and closes it once', () => {
    const { live, sent } = recorder();
    const text = textPreview(live.segment().attempt(), 'text-1');
    text.delta('');
    text.delta('Hel');
    text.delta('lo');
    text.close();
    text.close();
    expect(sent).toEqual([
      { push: { type: 'text-start', id: 'text-1' } },
      { push: { type: 'text-delta', id: 'text-1', delta: 'Hel' } },
      { push: { type: 'text-delta', id: 'text-1', delta: 'lo' } },
      { push: { type: 'text-end', id: 'text-1' } },
    ]);
  });
});

describe('liveChunks', () => {
  it('sends start first, marks a step’s start-step and text as its preview’s, and ends with finish', async () => {
    const { live, sent } = recorder();
    const chunks = liveChunks(live);
    expect(liveChunks(live)).toBe(chunks);
    chunks.send({ type: 'start-step' });
    chunks.send({ type: 'text-start', id: 'text-1' });
    chunks.send({ type: 'tool-input-available', toolCallId: 'c1', toolName: 't', input: {} });
    chunks.send({ type: 'finish-step' });
    chunks.send({ type: 'tool-output-available', toolCallId: 'c1', output: 'x' });
    chunks.send({ type: 'start-step' });
    expect(chunks.step).toBe(2);
    await chunks.end();
    expect(sent).toEqual([
      { event: { type: 'start' } },
      { event: { type: 'start-step' }, covers: 1 },
      { event: { type: 'text-start', id: 'text-1' }, covers: 1 },
      { event: { type: 'tool-input-available', toolCallId: 'c1', toolName: 't', input: {} } },
      { event: { type: 'finish-step' } },
      { event: { type: 'tool-output-available', toolCallId: 'c1', output: 'x' } },
      { event: { type: 'start-step' }, covers: 2 },
      { event: { type: 'finish-step' } },
      { event: { type: 'finish' } },
      { end: 'done' },
    ]);
  });

  it('a turn that failed for good ends with the error, without finish', async () => {
    const { live, sent } = recorder();
    await liveChunks(live).end({ error: 'boom' });
    expect(sent).toEqual([{ event: { type: 'start' } }, { end: { error: 'boom' } }]);
  });
});
