/**
 * The records a live stream log (`agentStreamObject`) takes and the frames it keeps (docs/live-streaming.md).
 * Frames are chunks in the client's form (the AI SDK's UI-message-stream chunks: `start`, `start-step`,
 * `text-delta`, `reset-step`, …); a frame's offset is its index in the log, what a reader resumes from.
 */

/** A chunk as clients read it: a UI-message-stream chunk (`{ type: 'text-delta', id, delta }`, …). */
export interface StreamChunk {
  type: string;
  [field: string]: unknown;
}

/**
 * What an agent (or a web backend) appends to a stream log. Every record names its `turn` (the agent
 * invocation's id): a record of a turn that is not the log's current one is dropped.
 *
 * - `open`: a turn starts (sent when the agent's `liveStream` is created, again on every replay).
 * - `live`: preview chunks from inside model step `seg`, attempt `att` (random per run of the step's
 *   closure, started at `t` ms), batch number `seq` of that attempt.
 * - `commit`: sent after step `seg` is journaled, on the first run and on every replay: `att`/`count` from the
 *   journaled receipt, or neither when the step has no complete preview.
 * - `event`: a chunk of the authoritative stream (what the SDK builds from journaled values), numbered `hseq`
 *   in handler order; `covers` names the step whose preview may already have shown it.
 * - `end`: the turn is over (`done`, `error` with a message, or `cancelled`).
 */
export type StreamRecord =
  | { kind: 'open'; turn: string }
  | {
      kind: 'live';
      turn: string;
      seg: number;
      att: string;
      t: number;
      seq: number;
      chunks: StreamChunk[];
    }
  | { kind: 'commit'; turn: string; seg: number; att?: string; count?: number }
  | { kind: 'event'; turn: string; hseq: number; chunk: StreamChunk; covers?: number }
  | { kind: 'end'; turn: string; outcome: 'done' | 'error' | 'cancelled'; error?: string };

/**
 * What a model step journals about its live preview, beside its answer: the attempt, how many chunks it
 * pushed, and whether the log acknowledged all of them (`false` when the sink failed: the step still succeeds,
 * and its commit makes the log retract the preview and let the journaled answer through).
 */
export interface LiveReceipt {
  att: string;
  count: number;
  complete: boolean;
}

/** Where a read starts: at an offset, or at the start of a turn (`'active'`: the current, unfinished turn). */
export interface ReadRequest {
  /** First offset wanted; wins over `turn`. */
  from?: number;
  /** A turn id (the agent invocation's id), or `'active'`. A turn not opened yet is waited for. */
  turn?: string;
  /** Long poll: wait up to this long for frames when none are there (default 20 s; 0 answers at once). */
  timeoutMs?: number;
}

/** A turn as readers see it: its first frame's offset and, once it ended, the offset after its last one. */
export interface TurnInfo {
  id: string;
  start: number;
  end?: number;
  outcome?: 'done' | 'error' | 'cancelled';
}

/**
 * The answer to a read: `chunks` are the frames at offsets `from`, `from + 1`, …; `next` is the offset to
 * read from next. `done` when the turn has ended and every frame of it was read; `none` when there is no
 * active turn (for `turn: 'active'`); `expired` when `from` lies before the oldest frame kept.
 */
export interface ReadResult {
  from: number;
  next: number;
  chunks: StreamChunk[];
  turn?: TurnInfo;
  done?: boolean;
  none?: boolean;
  expired?: boolean;
}
