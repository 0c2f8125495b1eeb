/**
 * The rules of the stream log, as pure functions over its metadata (the Virtual Object in
 * `agent-stream-object.ts` only stores what they decide). Stored frames are exactly what clients see, so
 * readers are stateless and an offset means the same frame to every reader.
 *
 * Delivery promise: every journaled model answer appears in the client's message exactly once, either as
 * the sealed preview of the very attempt whose answer was journaled, or as `reset-step` followed by the
 * chunks rebuilt from the journal. Correctness rests on `commit` alone; attempt fencing only keeps a
 * superseded ("zombie") attempt's chunks from flickering on screen.
 */
import type { ReadRequest, StreamChunk, StreamRecord, TurnInfo } from './stream-records.js';

/** The log's view of one model step (`seg`) of the current turn. */
export interface SegState {
  /** `open` while the step runs; `sealed`: its preview stands for the journaled answer; `authoritative`: the rebuilt answer goes through. */
  status: 'open' | 'sealed' | 'authoritative';
  /** The attempt whose preview is shown, its start time and its last batch number. */
  att?: string;
  t?: number;
  seq: number;
  /** Preview chunks of `att` stored. */
  count: number;
  /** Whether preview chunks are on screen (stored and not retracted). */
  shown: boolean;
  /** Whether a `start-step` for this step is stored. */
  stepStarted: boolean;
  /** Attempts that lost to a newer one: their chunks are dropped. */
  superseded: string[];
}

/** The current turn plus what deduplication needs. */
export interface TurnState extends TurnInfo {
  /** Highest authoritative event number stored (-1: none). */
  hseq: number;
  /** Whether a `start` chunk is stored. */
  started: boolean;
  segs: Record<string, SegState>;
}

/** Everything but the frames: one small state entry, read and written once per append. */
export interface LogMeta {
  /** Oldest offset kept (earlier frames expired). */
  head: number;
  /** Offset the next frame gets. */
  tail: number;
  /** First offsets of the stored frame batches, ascending (state key `b:<offset>`). */
  batches: number[];
  /** Recent turns, oldest first (at most {@link MAX_TURNS}). */
  turns: TurnInfo[];
  current?: TurnState;
}

/** Turns remembered for reads by turn id. */
export const MAX_TURNS = 32;

/** An empty log. */
export function emptyMeta(): LogMeta {
  return { head: 0, tail: 0, batches: [], turns: [] };
}

const RESET_STEP: StreamChunk = { type: 'reset-step' };
const START_STEP: StreamChunk = { type: 'start-step' };
/** Chunks a step's preview may show (and its authoritative copy then skips). */
const PREVIEW_TYPES: ReadonlySet<string> = new Set([
  'text-start',
  'text-delta',
  'text-end',
  'reasoning-start',
  'reasoning-delta',
  'reasoning-end',
]);

/** Whether a chunk can be part of a live preview (text and reasoning only). */
export function isPreviewChunk(chunk: StreamChunk): boolean {
  return PREVIEW_TYPES.has(chunk.type);
}

/**
 * Applies `records` in order. Returns the new metadata (the input is not changed) and the frames to store
 * from the old `tail` on; `changed` says whether readers waiting on a turn must be woken.
 */
export function applyRecords(
  meta: LogMeta,
  records: readonly StreamRecord[],
): { meta: LogMeta; frames: StreamChunk[]; changed: boolean } {
  const next: LogMeta = structuredClone(meta);
  const frames: StreamChunk[] = [];
  let changed = false;
  const store = (chunk: StreamChunk): void => {
    frames.push(chunk);
    next.tail += 1;
  };
  for (const record of records) {
    if (record.kind === 'open') {
      if (next.current?.id === record.turn || next.turns.some((t) => t.id === record.turn))
        continue;
      closeCurrent(next, 'cancelled');
      next.current = { id: record.turn, start: next.tail, hseq: -1, started: false, segs: {} };
      next.turns.push({ id: record.turn, start: next.tail });
      if (next.turns.length > MAX_TURNS) next.turns.splice(0, next.turns.length - MAX_TURNS);
      changed = true;
      continue;
    }
    const turn = next.current;
    // A record of another turn (an older turn's zombie, or a turn whose `open` never arrived) is dropped.
    if (!turn || turn.id !== record.turn || turn.end !== undefined) continue;
    switch (record.kind) {
      case 'live':
        applyLive(turn, record, store);
        break;
      case 'commit':
        applyCommit(turn, record, store);
        break;
      case 'event':
        applyEvent(turn, record, store);
        break;
      case 'end':
        if (record.outcome === 'error') {
          store({ type: 'error', errorText: record.error ?? 'The agent failed.' });
        }
        closeCurrent(next, record.outcome);
        changed = true;
        break;
    }
  }
  return { meta: next, frames, changed: changed || frames.length > 0 };
}

function seg(turn: TurnState, n: number): SegState {
  const key = String(n);
  turn.segs[key] ??= {
    status: 'open',
    seq: -1,
    count: 0,
    shown: false,
    stepStarted: false,
    superseded: [],
  };
  return turn.segs[key];
}

function applyLive(
  turn: TurnState,
  record: Extract<StreamRecord, { kind: 'live' }>,
  store: (chunk: StreamChunk) => void,
): void {
  const state = seg(turn, record.seg);
  if (state.status !== 'open' || state.superseded.includes(record.att)) return;
  if (state.att !== record.att) {
    if (state.att !== undefined && !isNewer(record, state)) {
      // An attempt older than the shown one (a zombie that woke late): never shown.
      state.superseded.push(record.att);
      return;
    }
    // A newer attempt: the older one's chunks are retracted and it is fenced off.
    if (state.att !== undefined) state.superseded.push(state.att);
    if (state.shown) store(RESET_STEP);
    state.att = record.att;
    state.t = record.t;
    state.seq = -1;
    state.count = 0;
    state.shown = false;
  }
  // A batch sent twice (a retried request) or out of order is not stored again.
  if (record.seq <= state.seq) return;
  state.seq = record.seq;
  const chunks = record.chunks.filter(isPreviewChunk);
  if (chunks.length === 0) return;
  if (!state.stepStarted) {
    store(START_STEP);
    state.stepStarted = true;
  }
  for (const chunk of chunks) store(chunk);
  state.count += chunks.length;
  state.shown = true;
}

function isNewer(record: { t: number; att: string }, state: SegState): boolean {
  const t = state.t ?? 0;
  return record.t > t || (record.t === t && record.att > (state.att ?? ''));
}

function applyCommit(
  turn: TurnState,
  record: Extract<StreamRecord, { kind: 'commit' }>,
  store: (chunk: StreamChunk) => void,
): void {
  const state = seg(turn, record.seg);
  if (state.status !== 'open') return;
  if (
    record.att !== undefined &&
    record.att === state.att &&
    record.count === state.count &&
    state.count > 0
  ) {
    // The preview on screen is exactly the journaled attempt's answer.
    state.status = 'sealed';
    return;
  }
  // Missing, partial or superseded preview, or a step with none: retract what is shown, rebuild from the journal.
  if (state.shown) store(RESET_STEP);
  state.shown = false;
  state.status = 'authoritative';
}

function applyEvent(
  turn: TurnState,
  record: Extract<StreamRecord, { kind: 'event' }>,
  store: (chunk: StreamChunk) => void,
): void {
  // Events come in handler order from every run of the handler; numbers seen already are replays.
  if (record.hseq <= turn.hseq) return;
  turn.hseq = record.hseq;
  const { chunk } = record;
  if (chunk.type === 'start') {
    if (turn.started) return;
    turn.started = true;
  }
  if (record.covers !== undefined) {
    const state = seg(turn, record.covers);
    if (chunk.type === 'start-step') {
      if (state.stepStarted) return;
      state.stepStarted = true;
    } else if (state.status === 'sealed' && isPreviewChunk(chunk)) {
      return;
    }
    // An authoritative chunk arriving ends any preview still open for this step (no commit came first).
    if (state.status === 'open' && isPreviewChunk(chunk)) {
      if (state.shown) store(RESET_STEP);
      state.shown = false;
      state.status = 'authoritative';
    }
  }
  store(chunk);
}

function closeCurrent(meta: LogMeta, outcome: NonNullable<TurnInfo['outcome']>): void {
  const turn = meta.current;
  if (!turn || turn.end !== undefined) return;
  turn.end = meta.tail;
  turn.outcome = outcome;
  const info = meta.turns.find((t) => t.id === turn.id);
  if (info) {
    info.end = meta.tail;
    info.outcome = outcome;
  }
}

/** Where a read starts and stops, or why it cannot. */
export type ReadPlan =
  | { kind: 'frames'; from: number; until: number; turn?: TurnInfo }
  | { kind: 'wait'; from?: number; turn?: TurnInfo }
  | { kind: 'done'; from: number; turn: TurnInfo }
  | { kind: 'none' }
  | { kind: 'expired'; from: number };

/**
 * Plans a read: frames `[from, until)` are available now (`until` stops at the end of `from`'s turn), or the
 * reader must wait (nothing new yet, or the turn it asks for has not opened), or there is nothing to read.
 */
export function planRead(meta: LogMeta, request: ReadRequest): ReadPlan {
  let from = request.from;
  let turn: TurnInfo | undefined;
  if (from === undefined) {
    if (request.turn === undefined || request.turn === 'active') {
      const current = meta.current;
      if (!current || current.end !== undefined) return { kind: 'none' };
      turn = meta.turns.find((t) => t.id === current.id);
    } else {
      turn = meta.turns.find((t) => t.id === request.turn);
      if (!turn) return { kind: 'wait' };
    }
    from = turn?.start ?? meta.tail;
  } else {
    if (!Number.isInteger(from) || from < 0) {
      throw new RangeError(`read: from must be a non-negative integer offset, got ${String(from)}`);
    }
    // A named turn bounds the read (a reader of one turn stops at its end); else the turn at `from`.
    const named =
      request.turn !== undefined && request.turn !== 'active'
        ? meta.turns.find((t) => t.id === request.turn)
        : undefined;
    turn = named ?? turnAt(meta, from);
  }
  if (from < meta.head) return { kind: 'expired', from };
  const end = turn?.end ?? meta.tail;
  if (turn?.end !== undefined && from >= turn.end) return { kind: 'done', from, turn };
  const until = Math.min(end, meta.tail);
  if (from >= until) return { kind: 'wait', from, ...(turn && { turn }) };
  return { kind: 'frames', from, until, ...(turn && { turn }) };
}

/** The turn whose frames include `offset` (or, at the tail, the turn that will write it). */
export function turnAt(meta: LogMeta, offset: number): TurnInfo | undefined {
  let found: TurnInfo | undefined;
  for (const turn of meta.turns) {
    if (turn.start <= offset) found = turn;
  }
  // A frame past the end of the last turn that started before it belongs to no turn yet.
  if (found?.end !== undefined && offset >= found.end) {
    const later = meta.turns.find((t) => t.start > (found?.start ?? 0) && t.start <= offset);
    return later ?? found;
  }
  return found;
}

/** Index in `batches` of the batch holding `offset` (batches are ascending first offsets). */
export function batchIndex(batches: readonly number[], offset: number): number {
  let low = 0;
  let high = batches.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if ((batches[mid] ?? 0) <= offset) {
      found = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return found;
}
