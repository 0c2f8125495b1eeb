import { describe, expect, it } from 'vitest';
import { applyRecords, emptyMeta, type LogMeta, planRead } from './log-rules.js';
import type { StreamChunk, StreamRecord } from './stream-records.js';

const turn = 'inv_1';
const ts = (id = 't0'): StreamChunk => ({ type: 'text-start', id });
const td = (delta: string, id = 't0'): StreamChunk => ({ type: 'text-delta', id, delta });
const te = (id = 't0'): StreamChunk => ({ type: 'text-end', id });
const live = (
  att: string,
  t: number,
  seq: number,
  chunks: StreamChunk[],
  seg = 1,
): StreamRecord => ({
  kind: 'live',
  turn,
  seg,
  att,
  t,
  seq,
  chunks,
});
let hseq = 0;
const event = (chunk: StreamChunk, covers?: number): StreamRecord => ({
  kind: 'event',
  turn,
  hseq: hseq++,
  chunk,
  ...(covers !== undefined && { covers }),
});
/** The authoritative stream of one text step, as the AI SDK's toUIMessageStream sends it. */
const authoritative = (text: string): StreamRecord[] => {
  hseq = 0;
  return [
    event({ type: 'start', messageId: 'm1' }),
    event({ type: 'start-step' }, 1),
    event(ts(), 1),
    event(td(text), 1),
    event(te(), 1),
    event({ type: 'finish-step' }),
    event({ type: 'finish' }),
  ];
};

/** Applies batches one after another, as successive appends do. */
function run(...batches: StreamRecord[][]): { meta: LogMeta; frames: StreamChunk[] } {
  let meta = emptyMeta();
  const frames: StreamChunk[] = [];
  for (const batch of batches) {
    const applied = applyRecords(meta, batch);
    meta = applied.meta;
    frames.push(...applied.frames);
  }
  return { meta, frames };
}

/** What a client's message ends with: text after the last reset-step of the step, like useChat. */
function visibleText(frames: StreamChunk[]): string {
  let text = '';
  let stepStart = 0;
  for (const frame of frames) {
    if (frame.type === 'start-step') stepStart = text.length;
    if (frame.type === 'reset-step') text = text.slice(0, stepStart);
    if (frame.type === 'text-delta') text += frame.delta as string;
  }
  return text;
}

const types = (frames: StreamChunk[]): string[] => frames.map((frame) => frame.type);
const [start, ...rest] = authoritative('Hello');
const open: StreamRecord = { kind: 'open', turn };

describe('stream log rules (live)', () => {
  it('seals a complete preview: the authoritative text of the step is dropped, nothing shown twice', () => {
    const { frames } = run(
      [open, start as StreamRecord],
      [live('A', 1, 0, [ts(), td('Hel')])],
      [live('A', 1, 1, [td('lo'), te()])],
      [{ kind: 'commit', turn, seg: 1, att: 'A', count: 4 }, ...rest],
    );
    expect(types(frames)).toEqual([
      'start',
      'start-step',
      'text-start',
      'text-delta',
      'text-delta',
      'text-end',
      'finish-step',
      'finish',
    ]);
    expect(visibleText(frames)).toBe('Hello');
  });

  it('a new attempt resets the old one at its first chunk; its commit seals it (kill mid-stream)', () => {
    const { frames } = run(
      [open, start as StreamRecord, live('A', 1, 0, [ts(), td('Hel')])],
      [live('B', 2, 0, [ts(), td('Hello')]), live('B', 2, 1, [te()])],
      [{ kind: 'commit', turn, seg: 1, att: 'B', count: 3 }, ...rest],
    );
    expect(types(frames).filter((type) => type === 'reset-step')).toHaveLength(1);
    expect(visibleText(frames)).toBe('Hello');
  });

  it("a zombie attempt's chunks never land once a newer attempt is shown, before or after it", () => {
    const { frames } = run(
      [open, start as StreamRecord, live('A', 5, 0, [ts(), td('Hel')])],
      [live('B', 9, 0, [ts(), td('Hello'), te()])],
      [live('A', 5, 1, [td('lo world')])],
      // An attempt started before the shown one, first heard of now: also a zombie.
      [live('Z', 7, 0, [ts(), td('zombie')])],
      [{ kind: 'commit', turn, seg: 1, att: 'B', count: 3 }, ...rest],
    );
    expect(frames.some((frame) => String(frame.delta).includes('world'))).toBe(false);
    expect(frames.some((frame) => String(frame.delta).includes('zombie'))).toBe(false);
    expect(visibleText(frames)).toBe('Hello');
  });

  it('a commit that does not match the preview retracts it and lets the journaled answer through', () => {
    const { frames } = run(
      [open, start as StreamRecord, live('A', 1, 0, [ts(), td('Hel')])],
      // The journal holds B's answer, whose preview never reached the log (its sink failed).
      [{ kind: 'commit', turn, seg: 1 }, ...rest],
    );
    expect(types(frames)).toEqual([
      'start',
      'start-step',
      'text-start',
      'text-delta',
      'reset-step',
      'text-start',
      'text-delta',
      'text-end',
      'finish-step',
      'finish',
    ]);
    expect(visibleText(frames)).toBe('Hello');
  });

  it('a partial preview of the journaled attempt (count short) is retracted too', () => {
    const { frames } = run(
      [open, start as StreamRecord, live('A', 1, 0, [ts(), td('Hel')])],
      [{ kind: 'commit', turn, seg: 1, att: 'A', count: 4 }, ...rest],
    );
    expect(types(frames).filter((type) => type === 'reset-step')).toHaveLength(1);
    expect(visibleText(frames)).toBe('Hello');
  });

  it('replays change nothing: re-sent open, batches, commits and events are dropped (kill after the step)', () => {
    const once = run(
      [open, start as StreamRecord, live('A', 1, 0, [ts(), td('Hello'), te()])],
      [{ kind: 'commit', turn, seg: 1, att: 'A', count: 3 }, ...rest.slice(0, 2)],
    );
    const replayed = run(
      [open, start as StreamRecord, live('A', 1, 0, [ts(), td('Hello'), te()])],
      [{ kind: 'commit', turn, seg: 1, att: 'A', count: 3 }, ...rest.slice(0, 2)],
      // The process died after the step; the replay re-sends open, the commit and every event.
      [live('A', 1, 0, [ts(), td('Hello'), te()])],
      [open, start as StreamRecord, { kind: 'commit', turn, seg: 1, att: 'A', count: 3 }, ...rest],
    );
    expect(replayed.frames.slice(0, once.frames.length)).toEqual(once.frames);
    expect(types(replayed.frames)).not.toContain('reset-step');
    expect(visibleText(replayed.frames)).toBe('Hello');
  });

  it('records of another turn are dropped, and a new turn closes the old one', () => {
    const { meta, frames } = run(
      [open, start as StreamRecord],
      [{ kind: 'open', turn: 'inv_2' }, live('A', 1, 0, [ts(), td('old turn')])],
    );
    expect(types(frames)).toEqual(['start']);
    expect(meta.turns).toEqual([
      { id: turn, start: 0, end: 1, outcome: 'cancelled' },
      { id: 'inv_2', start: 1 },
    ]);
  });

  it('end stores an error frame for a failed turn and closes it', () => {
    const { meta, frames } = run([
      open,
      { kind: 'end', turn, outcome: 'error', error: 'boom' },
      event({ type: 'finish' }),
    ]);
    expect(frames).toEqual([{ type: 'error', errorText: 'boom' }]);
    expect(meta.current?.end).toBe(1);
  });
});

describe('planRead (live)', () => {
  const { meta } = run(
    [open, start as StreamRecord, live('A', 1, 0, [ts(), td('Hello'), te()])],
    [
      { kind: 'end', turn, outcome: 'done' },
      { kind: 'open', turn: 'inv_2' },
    ],
  );

  it('reads a turn from its start, up to its end', () => {
    expect(planRead(meta, { turn })).toEqual({
      kind: 'frames',
      from: 0,
      until: 5,
      turn: { id: turn, start: 0, end: 5, outcome: 'done' },
    });
    expect(planRead(meta, { from: 2 })).toMatchObject({ kind: 'frames', from: 2, until: 5 });
  });

  it('is done at the end of a finished turn, waits in a live one, and waits for a turn not opened yet', () => {
    expect(planRead(meta, { from: 5, turn })).toMatchObject({ kind: 'done' });
    expect(planRead(meta, { turn: 'active' })).toMatchObject({ kind: 'wait', from: 5 });
    expect(planRead(meta, { turn: 'inv_3' })).toEqual({ kind: 'wait' });
  });

  it('answers none without an active turn, and refuses a bad offset', () => {
    const ended = applyRecords(meta, [{ kind: 'end', turn: 'inv_2', outcome: 'done' }]).meta;
    expect(planRead(ended, { turn: 'active' })).toEqual({ kind: 'none' });
    expect(() => planRead(meta, { from: -1 })).toThrow(/non-negative integer/);
  });
});
