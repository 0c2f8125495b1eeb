/**
 * The stream log: a Virtual Object keyed by stream id (normally the chat id) that keeps the frames a chat UI
 * reads, live, while an agent runs elsewhere. Register it in an endpoint an agent crash does not take down
 * (e.g. beside the web backend), so readers keep long-polling while the agent's service restarts.
 *
 * - `append` (exclusive, so records apply in order): one state write for the metadata and one per batch of
 *   frames, then every parked reader is woken with what it asked for.
 * - `read` (shared, many readers at once): answers at once when frames are there, else parks an awakeable
 *   (registered through a one-way `subscribe` to itself) until an append or the timeout.
 * - `expire`: a delayed self-send after a turn ends drops frames older than `retention`.
 *
 * Lazy state: an append loads only the metadata, never the whole log. Journal retention 0: the log's own
 * invocations are not kept after they end (the frames are its state).
 */
import * as restate from '@restatedev/restate-sdk';
import { AGENT_STREAM_OBJECT } from './agent-stream-constants.js';
import {
  applyRecords,
  batchIndex,
  emptyMeta,
  type LogMeta,
  planRead,
  type ReadPlan,
} from './log-rules.js';
import type { ReadRequest, ReadResult, StreamChunk, StreamRecord } from './stream-records.js';

/** Options of {@link agentStreamObject}. */
export interface AgentStreamObjectOptions {
  /** How long a turn's frames are kept after it ended (ms, default 1 h); resuming later answers `expired`. */
  retentionMs?: number;
  /** Most bytes of frames one read returns (default 256 KiB); the reader reads on from `next`. */
  maxReadBytes?: number;
  /** Longest long poll of a read (ms, default 20 s; a request may ask for less). */
  maxWaitMs?: number;
}

interface Subscriber {
  id: string;
  request: ReadRequest;
}

/** The metadata plus the parked readers: one state entry, so an append reads one value. */
type StoredMeta = LogMeta & { subscribers?: Subscriber[] };

/** The handlers of the stream log object (what a typed client of it sees). */
export interface AgentStreamHandlers {
  append(ctx: restate.ObjectContext, records: StreamRecord[]): Promise<void>;
  read(ctx: restate.ObjectSharedContext, request: ReadRequest): Promise<ReadResult>;
  subscribe(ctx: restate.ObjectContext, subscriber: Subscriber): Promise<void>;
  expire(ctx: restate.ObjectContext, input: { turn: string }): Promise<void>;
}

/** The stream log object definition, to pass to `restate.serve`/`endpoint().bind`. */
export type AgentStreamObject = restate.VirtualObjectDefinition<string, AgentStreamHandlers>;

const META = 'meta';
const MAX_SUBSCRIBERS = 256;
const batchKey = (offset: number): string => `b:${offset}`;

/**
 * The stream log Virtual Object (default name `AgentStream`), keyed by stream id. Agents write to it with
 * `liveStream`; web backends read it with `streamClient(...).read`.
 *
 * @example
 * restate.serve({ services: [agentStreamObject()], port: 9081 }); // beside the web backend
 */
export function agentStreamObject(
  name: string = AGENT_STREAM_OBJECT,
  options: AgentStreamObjectOptions = {},
): AgentStreamObject {
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError(`agentStreamObject: name must be a non-empty string, got ${String(name)}`);
  }
  const retentionMs = options.retentionMs ?? 60 * 60 * 1000;
  const maxReadBytes = options.maxReadBytes ?? 256 * 1024;
  const maxWaitMs = options.maxWaitMs ?? 20_000;

  const collect = async (
    ctx: restate.ObjectSharedContext,
    meta: LogMeta,
    plan: Extract<ReadPlan, { kind: 'frames' }>,
  ): Promise<ReadResult> => {
    const chunks: StreamChunk[] = [];
    let bytes = 0;
    let index = batchIndex(meta.batches, plan.from);
    let offset = plan.from;
    while (offset < plan.until && index >= 0 && index < meta.batches.length) {
      const start = meta.batches[index] ?? 0;
      const batch = (await ctx.get<StreamChunk[]>(batchKey(start))) ?? [];
      for (let i = offset - start; i < batch.length && offset < plan.until; i++, offset++) {
        const chunk = batch[i] as StreamChunk;
        bytes += JSON.stringify(chunk).length;
        // Always at least one frame, so a reader makes progress even past an oversized one.
        if (chunks.length > 0 && bytes > maxReadBytes) return result(plan, chunks);
        chunks.push(chunk);
      }
      index += 1;
    }
    return result(plan, chunks);
  };

  const answer = async (
    ctx: restate.ObjectSharedContext,
    meta: LogMeta,
    plan: ReadPlan,
  ): Promise<ReadResult | undefined> => {
    switch (plan.kind) {
      case 'frames':
        return collect(ctx, meta, plan);
      case 'done':
        return { from: plan.from, next: plan.from, chunks: [], turn: plan.turn, done: true };
      case 'none':
        return { from: meta.tail, next: meta.tail, chunks: [], none: true };
      case 'expired':
        return { from: plan.from, next: meta.head, chunks: [], expired: true };
      case 'wait':
        return undefined;
    }
  };

  // How the handlers address their own object (a one-way send to the same key).
  const self = { name } as AgentStreamObject;

  const handlers: AgentStreamHandlers = {
    async append(ctx, records) {
      if (!Array.isArray(records)) {
        throw new restate.TerminalError('append: expected an array of stream records');
      }
      const { subscribers: waiting = [], ...meta } =
        (await ctx.get<StoredMeta>(META)) ?? (emptyMeta() as StoredMeta);
      const start = meta.tail;
      const applied = applyRecords(meta, records);
      if (applied.frames.length > 0) {
        ctx.set(batchKey(start), applied.frames);
        applied.meta.batches.push(start);
      }
      const ended = records.find(
        (r): r is Extract<StreamRecord, { kind: 'end' }> =>
          r.kind === 'end' &&
          applied.meta.turns.some((t) => t.id === r.turn && t.end !== undefined),
      );
      if (ended && meta.current?.id === ended.turn && meta.current.end === undefined) {
        ctx
          .objectSendClient<AgentStreamHandlers>(self, ctx.key)
          .expire({ turn: ended.turn }, restate.rpc.sendOpts({ delay: retentionMs }));
      }
      if (!applied.changed || waiting.length === 0) {
        ctx.set(META, { ...applied.meta, subscribers: waiting });
        return;
      }
      const still: Subscriber[] = [];
      for (const subscriber of waiting) {
        const plan = planRead(applied.meta, subscriber.request);
        // The common case needs no state read: the reader waits at the old tail for what was just appended.
        const reply =
          plan.kind === 'frames' && plan.from >= start
            ? result(plan, applied.frames.slice(plan.from - start, plan.until - start))
            : await answer(ctx, applied.meta, plan);
        if (reply) ctx.resolveAwakeable(subscriber.id, reply);
        else still.push(subscriber);
      }
      ctx.set(META, { ...applied.meta, subscribers: still });
    },

    async read(ctx, input) {
      const req = input ?? {};
      const meta = (await ctx.get<LogMeta>(META)) ?? emptyMeta();
      let plan: ReadPlan;
      try {
        plan = planRead(meta, req);
      } catch (error) {
        throw new restate.TerminalError((error as Error).message);
      }
      const now = await answer(ctx, meta, plan);
      const waitMs = Math.min(req.timeoutMs ?? maxWaitMs, maxWaitMs);
      if (now || waitMs <= 0) return now ?? empty(plan, meta);
      const { id, promise } = ctx.awakeable<ReadResult>();
      const waitFor =
        plan.kind === 'wait' && plan.from !== undefined ? { ...req, from: plan.from } : req;
      ctx.objectSendClient<AgentStreamHandlers>(self, ctx.key).subscribe({ id, request: waitFor });
      try {
        return await promise.orTimeout(waitMs);
      } catch (error) {
        if (error instanceof restate.TimeoutError) return empty(plan, meta);
        throw error;
      }
    },

    async subscribe(ctx, subscriber) {
      const meta = (await ctx.get<StoredMeta>(META)) ?? (emptyMeta() as StoredMeta);
      // Frames may have arrived between the read's check and this registration.
      const reply = await answer(ctx, meta, planRead(meta, subscriber.request));
      if (reply) {
        ctx.resolveAwakeable(subscriber.id, reply);
        return;
      }
      const subscribers = [...(meta.subscribers ?? []), subscriber];
      // Readers that timed out stay listed until the next append; keep the list bounded meanwhile.
      ctx.set(META, { ...meta, subscribers: subscribers.slice(-MAX_SUBSCRIBERS) });
    },

    async expire(ctx, { turn }) {
      const meta = (await ctx.get<StoredMeta>(META)) ?? (emptyMeta() as StoredMeta);
      const info = meta.turns.find((t) => t.id === turn);
      if (info?.end === undefined) return;
      const keep = meta.batches.filter((start, i) => {
        const next = meta.batches[i + 1] ?? meta.tail;
        if (next <= (info.end ?? 0)) {
          ctx.clear(batchKey(start));
          return false;
        }
        return true;
      });
      meta.head = Math.max(meta.head, keep[0] ?? meta.tail);
      meta.batches = keep;
      meta.turns = meta.turns.filter((t) => t.end === undefined || t.end > meta.head);
      ctx.set(META, meta);
    },
  };

  return restate.object({
    name,
    handlers: {
      append: restate.handlers.object.exclusive({}, handlers.append),
      read: restate.handlers.object.shared({}, handlers.read),
      subscribe: restate.handlers.object.exclusive({}, handlers.subscribe),
      expire: restate.handlers.object.exclusive({}, handlers.expire),
    },
    options: { enableLazyState: true, journalRetention: 0 },
  }) as unknown as AgentStreamObject;
}

function result(plan: Extract<ReadPlan, { kind: 'frames' }>, chunks: StreamChunk[]): ReadResult {
  const next = plan.from + chunks.length;
  const done = plan.turn?.end !== undefined && next >= plan.turn.end;
  return {
    from: plan.from,
    next,
    chunks,
    ...(plan.turn && { turn: plan.turn }),
    ...(done && { done: true }),
  };
}

function empty(plan: ReadPlan, meta: LogMeta): ReadResult {
  const from = 'from' in plan && plan.from !== undefined ? plan.from : meta.tail;
  return {
    from,
    next: from,
    chunks: [],
    ...('turn' in plan && plan.turn && { turn: plan.turn }),
  };
}
