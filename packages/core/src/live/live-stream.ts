/**
 * The agent side of live streaming: one emitter per invocation attempt that sends preview chunks from inside
 * model steps and the authoritative stream from handler code to the stream log, over plain HTTP (never
 * through `ctx`, which must not be used inside `ctx.run`; nothing of it enters the agent's journal but a
 * small receipt per model step).
 *
 * One in-order sender per emitter: one request in flight, records in the order they were produced. The
 * first chunk after a quiet spell goes out at once; then chunks are batched (`flushMs`, `maxBatchBytes`).
 * A failing sink never fails a step: the step's receipt says `complete: false`, and its commit makes the
 * log retract the preview and let the journaled answer through.
 */
import type { Context } from '@restatedev/restate-sdk';
import { isPreviewChunk } from './log-rules.js';
import { type StreamClient, streamClient } from './stream-client.js';
import type { LiveReceipt, StreamChunk, StreamRecord } from './stream-records.js';

/** Options of {@link liveStream}. */
export interface LiveStreamOptions {
  /** The stream log's key: normally the chat id (unguessable; the web backend decides who reads it). */
  streamId: string;
  /** A client of the log; or give `ingressUrl` (and `name`, `headers`). */
  client?: StreamClient;
  /** Restate's ingress, as the agent's process reaches it, e.g. `http://localhost:8080`. */
  ingressUrl?: string;
  /** The log object's name (default `AgentStream`). */
  name?: string;
  /** Extra headers on every append. */
  headers?: Record<string, string>;
  /** Batching window after a send (default 50 ms). */
  flushMs?: number;
  /** A batch is sent once it holds this many bytes, window or not (default 8 KiB). */
  maxBatchBytes?: number;
  /** How long one append may take before it counts as failed (default 10 s). */
  requestTimeoutMs?: number;
}

/** One model step's preview: attempts push chunks from inside the step; handler code commits it after. */
export interface LiveSegment {
  /** The step's number in this turn (1, 2, …), the same on every replay. */
  readonly seg: number;
  /** Starts an attempt: call it inside the step's closure, once per run of it. */
  attempt(signal?: AbortSignal): LiveAttempt;
  /**
   * After the step resolved (first run and replay alike): `receipt` as journaled, or `undefined` when the step
   * has no complete preview (it failed, or the journal predates live streaming).
   */
  commit(receipt: LiveReceipt | undefined): void;
}

/** One run of a model step's closure. */
export interface LiveAttempt {
  readonly att: string;
  /** A text or reasoning chunk in client form; other chunk types are ignored. Never throws. */
  push(chunk: StreamChunk): void;
  /** Waits for the pushed chunks' acknowledgements: the receipt to journal with the step's value. */
  end(): Promise<LiveReceipt>;
}

/** The per-invocation emitter. */
export interface LiveStream {
  readonly streamId: string;
  /** The turn: the agent invocation's id. */
  readonly turn: string;
  /** The preview of the next model step (call it in handler code, once per model call, in call order). */
  segment(): LiveSegment;
  /** One chunk of the authoritative stream; `covers` names the step whose preview may have shown it. */
  event(chunk: StreamChunk, options?: { covers?: number }): void;
  /** Ends the turn and waits until everything sent was acknowledged. */
  end(outcome?: { error?: string } | 'cancelled'): Promise<boolean>;
  /** Waits until everything queued so far was acknowledged (`false` if the sink failed). */
  flush(): Promise<boolean>;
  /**
   * For adapters that also send the authoritative stream: step `index`'s preview (0-based) is held back
   * until `gate(index)` resolves, so it lands after the previous step's events.
   */
  orderSegments(gate: (index: number) => Promise<void>): void;
}

/** The most a preview waits for its `orderSegments` gate before it gives up (its receipt is then incomplete). */
const GATE_TIMEOUT_MS = 15_000;

interface Entry {
  record: StreamRecord;
  bytes: number;
  taken: boolean;
  urgent: boolean;
  ack: Promise<boolean>;
  settle: (ok: boolean) => void;
}

/**
 * The live emitter of this invocation attempt: sends `open` for the turn at once.
 *
 * @example
 * const live = liveStream(ctx, { streamId: ctx.key, ingressUrl: process.env.RESTATE_INGRESS });
 */
export function liveStream(ctx: Context, options: LiveStreamOptions): LiveStream {
  if (typeof options?.streamId !== 'string' || options.streamId.length === 0) {
    throw new TypeError(
      `liveStream: streamId must be a non-empty string (normally the chat id), got ${JSON.stringify(options?.streamId)}`,
    );
  }
  if (!options.client && !options.ingressUrl) {
    throw new TypeError('liveStream: give either client (streamClient(...)) or ingressUrl');
  }
  const client =
    options.client ??
    streamClient({
      ingressUrl: options.ingressUrl as string,
      ...(options.name !== undefined && { name: options.name }),
      ...(options.headers && { headers: options.headers }),
    });
  const { streamId } = options;
  const turn = ctx.request().id;
  const sender = new Sender(client, streamId, {
    flushMs: options.flushMs ?? 50,
    maxBatchBytes: options.maxBatchBytes ?? 8 * 1024,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
  });
  let segments = 0;
  let hseq = 0;
  let gate: ((index: number) => Promise<void>) | undefined;
  sender.enqueue({ kind: 'open', turn }, true);

  return {
    streamId,
    turn,
    segment() {
      const index = segments;
      segments += 1;
      const seg = index + 1;
      return {
        seg,
        // The gate is read when the attempt starts (inside the step), so one set up after this call still counts.
        attempt: (signal) => {
          const stepGate = gate;
          return newAttempt(sender, turn, seg, stepGate && (() => stepGate(index)), signal);
        },
        commit(receipt) {
          sender.enqueue(
            receipt?.complete && receipt.count > 0
              ? { kind: 'commit', turn, seg, att: receipt.att, count: receipt.count }
              : { kind: 'commit', turn, seg },
          );
        },
      };
    },
    event(chunk, eventOptions = {}) {
      sender.enqueue({
        kind: 'event',
        turn,
        hseq: hseq++,
        chunk,
        ...(eventOptions.covers !== undefined && { covers: eventOptions.covers }),
      });
    },
    async end(outcome) {
      sender.enqueue(
        outcome === 'cancelled'
          ? { kind: 'end', turn, outcome: 'cancelled' }
          : outcome?.error !== undefined
            ? { kind: 'end', turn, outcome: 'error', error: outcome.error }
            : { kind: 'end', turn, outcome: 'done' },
        true,
      );
      return sender.flush();
    },
    flush: () => sender.flush(),
    orderSegments(next) {
      gate = next;
    },
  };
}

function newAttempt(
  sender: Sender,
  turn: string,
  seg: number,
  gate: (() => Promise<void>) | undefined,
  signal: AbortSignal | undefined,
): LiveAttempt {
  const att = crypto.randomUUID();
  const t = Date.now();
  let seq = 0;
  let open: Entry | undefined;
  let count = 0;
  const acks: Promise<boolean>[] = [];
  let ready = gate === undefined;
  let broken = false;
  const held: StreamChunk[] = [];
  let lead: StreamChunk[] | undefined = [];
  const gateDone: Promise<void> = ready
    ? Promise.resolve()
    : Promise.race([
        (gate as () => Promise<void>)().then(() => {
          ready = true;
          if (held.length > 0) send(held.splice(0));
        }),
        new Promise<void>((resolve) => setTimeout(resolve, GATE_TIMEOUT_MS).unref?.()),
      ]).then(() => {
        if (!ready) broken = true;
      });
  const send = (chunks: StreamChunk[]): void => {
    if (open && !open.taken && open.record.kind === 'live') {
      open.record.chunks.push(...chunks);
      const added = chunks.reduce((sum, chunk) => sum + JSON.stringify(chunk).length, 0);
      open.bytes += added;
      sender.grew(added);
    } else {
      open = sender.enqueue({ kind: 'live', turn, seg, att, t, seq: seq++, chunks }, seq === 1);
      acks.push(open.ack);
    }
    count += chunks.length;
  };
  return {
    att,
    push(chunk) {
      if (broken || signal?.aborted || !isPreviewChunk(chunk)) return;
      if (sender.broken) {
        broken = true;
        return;
      }
      // An empty delta shows nothing: skipped (and not counted).
      if (chunk.type.endsWith('-delta') && !chunk.delta) return;
      let chunks: StreamChunk[];
      if (lead) {
        // Hold `text-start` until the first token, so the first request carries what the user sees.
        lead.push(chunk);
        if (chunk.type.endsWith('-start')) return;
        chunks = lead;
        lead = undefined;
      } else {
        chunks = [chunk];
      }
      if (!ready) held.push(...chunks);
      else send(chunks);
    },
    async end() {
      if (lead?.length) {
        const chunks = lead;
        lead = undefined;
        if (!ready) held.push(...chunks);
        else send(chunks);
      }
      await gateDone;
      const oks = await Promise.all(acks);
      const complete = !broken && held.length === 0 && oks.every(Boolean);
      return { att, count, complete };
    },
  };
}

/** One in-order sender: one append in flight, batches closed when sent. */
class Sender {
  broken = false;
  private readonly queue: Entry[] = [];
  private inflight = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastSend = 0;
  private queuedBytes = 0;
  private newest: Entry | undefined;

  constructor(
    private readonly client: StreamClient,
    private readonly streamId: string,
    private readonly options: { flushMs: number; maxBatchBytes: number; requestTimeoutMs: number },
  ) {}

  enqueue(record: StreamRecord, urgent = false): Entry {
    let settle: (ok: boolean) => void = () => {};
    const ack = new Promise<boolean>((resolve) => {
      settle = resolve;
    });
    const bytes = JSON.stringify(record).length;
    const entry: Entry = { record, bytes, taken: false, urgent, ack, settle };
    if (this.broken) {
      settle(false);
      return entry;
    }
    this.queue.push(entry);
    this.newest = entry;
    this.queuedBytes += bytes;
    this.schedule();
    return entry;
  }

  /** A queued live record got more chunks. */
  grew(bytes: number): void {
    this.queuedBytes += bytes;
    if (this.queuedBytes >= this.options.maxBatchBytes) this.schedule();
  }

  async flush(): Promise<boolean> {
    // The newest record, queued or in flight: records are acknowledged in order.
    if (this.newest) await this.newest.ack;
    return !this.broken;
  }

  private schedule(): void {
    if (this.inflight || this.queue.length === 0) return;
    const urgent = this.queue.some((entry) => entry.urgent);
    const wait = this.lastSend + this.options.flushMs - Date.now();
    if (urgent || wait <= 0 || this.queuedBytes >= this.options.maxBatchBytes) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      void this.sendNow();
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sendNow();
    }, wait);
    this.timer.unref?.();
  }

  private async sendNow(): Promise<void> {
    if (this.inflight || this.queue.length === 0) return;
    this.inflight = true;
    this.lastSend = Date.now();
    const batch: Entry[] = [];
    let bytes = 0;
    while (this.queue.length > 0) {
      const entry = this.queue[0] as Entry;
      if (batch.length > 0 && bytes + entry.bytes > this.options.maxBatchBytes) break;
      this.queue.shift();
      entry.taken = true;
      batch.push(entry);
      bytes += entry.bytes;
    }
    this.queuedBytes = this.queue.reduce((sum, entry) => sum + entry.bytes, 0);
    const ok = await this.appendWithRetries(batch.map((entry) => entry.record));
    for (const entry of batch) entry.settle(ok);
    if (!ok) {
      // A gap would let a later record overtake a lost one: stop here; the next replay re-sends what counts.
      this.broken = true;
      for (const entry of this.queue.splice(0)) entry.settle(false);
    }
    this.inflight = false;
    this.schedule();
  }

  private async appendWithRetries(records: StreamRecord[]): Promise<boolean> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.client.append(this.streamId, records, {
          signal: AbortSignal.timeout(this.options.requestTimeoutMs),
        });
        return true;
      } catch {
        // The log deduplicates re-sent records (batch numbers, event numbers), so resending is safe.
        await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
      }
    }
    return false;
  }
}
