/**
 * Rules R10 and R11 for LangGraph: a thread's checkpoints and pending writes live in Virtual Object K/V
 * state, so they are covered by the journal and written by one invocation at a time. Channel values are
 * stored once per channel version (as LangGraph's Postgres saver does), not copied into every checkpoint,
 * so state and journal grow with what changed. The saver passes LangGraph's own validation suite.
 */
import type { RunnableConfig } from '@langchain/core/runnables';
import {
  BaseCheckpointSaver,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointPendingWrite,
  type CheckpointTuple,
  compareWritesSortKeys,
  copyCheckpoint,
  getCheckpointId,
  maxChannelVersion,
  type PendingWrite,
  type SerializerProtocol,
  TASKS,
  WRITES_IDX_MAP,
  writesSortKey,
} from '@langchain/langgraph-checkpoint';
import {
  assertConcurrency,
  DEFAULT_MAX_VALUE_BYTES,
  type DurableStepOptions,
  durableStep,
  RepeatingFailureError,
} from '@restate-agents/core';
import type { ObjectContext, ObjectSharedContext } from '@restatedev/restate-sdk';
import { readThrough, stateSerde } from './state-cache.js';
import { STEP_NAMES } from './step-names.js';

/** Options of {@link RestateCheckpointSaver}. */
export interface RestateCheckpointSaverOptions {
  /** Prefix of every state key the saver writes; default `'langgraph'`. */
  prefix?: string;
  /** How checkpoints and writes are serialised; default LangGraph's `JsonPlusSerializer`. */
  serde?: SerializerProtocol;
  /**
   * Options of the `langgraph:checkpoint` steps that commit a run's checkpoints (core's `durableStep`
   * options). `maxValueBytes` (default 8 MiB) is the size of one step: a run's writes are split into as
   * many steps as needed, and one channel value over it is refused before the run starts.
   */
  step?: Omit<DurableStepOptions<unknown>, 'serde'>;
  /**
   * How many checkpoints to keep per thread and namespace (default: all of them). Older checkpoints, their
   * pending writes and the channel values only they refer to are deleted when a new checkpoint is stored,
   * so a long-lived thread's state stops growing with its history. Time travel reaches back this far.
   */
  keepCheckpoints?: number;
}

/** A serialised value: the serde's type tag and its bytes. */
type Typed = [type: string, data: Uint8Array];
/** A checkpoint without its channel values (they are blobs per channel version) and its metadata. */
interface StoredCheckpoint {
  checkpoint: Typed;
  metadata: Typed;
}
/** A channel's value at one version; `null` when the channel was emptied at that version. */
type StoredBlob = Typed | null;
/** `"<taskId>,<idx>"` → the write, as MemorySaver keys them (special channels overwrite by fixed idx). */
type StoredWrites = Record<
  string,
  [taskId: string, channel: string, value: Typed, taskPath: string]
>;
/** Per namespace: checkpoint id → parent checkpoint id (`null` for the first). */
type ThreadIndex = Record<string, Record<string, string | null>>;

/**
 * LangGraph's `BaseCheckpointSaver` on the state of the current Virtual Object, keyed by thread id (and
 * namespace and checkpoint id) under `<prefix>:…` state keys.
 *
 * LangGraph writes checkpoints concurrently with running nodes and with random checkpoint ids and
 * timestamps, which would put state writes at unstable journal positions with unstable values. Inside
 * {@link durableGraph} the saver therefore holds its writes in memory ({@link deferWrites}) and
 * {@link commitWrites} journals them once as a step, then applies that journaled copy to state: a replay
 * writes exactly the same bytes. On its own (reading history, `updateState`, sequential use) it writes
 * state directly.
 *
 * @example
 * const agent = restate.object({
 *   name: 'Agent',
 *   handlers: {
 *     history: restate.handlers.object.shared(async (ctx: restate.ObjectSharedContext) => {
 *       const saver = new RestateCheckpointSaver(ctx);
 *       return (await saver.getTuple({ configurable: { thread_id: ctx.key } }))?.checkpoint;
 *     }),
 *   },
 * });
 */
export class RestateCheckpointSaver extends BaseCheckpointSaver {
  readonly #ctx: ObjectContext | ObjectSharedContext;
  readonly #prefix: string;
  readonly #step: Omit<DurableStepOptions<unknown>, 'serde'>;
  readonly #keep: number | undefined;
  /** What was read or written in this invocation; an exclusive handler is the only writer. */
  readonly #cache = new Map<string, unknown>();
  /** Writes not yet in state while deferred: key → value, `undefined` clears the key. */
  readonly #pending = new Map<string, unknown>();
  /** Keys this invocation set in state: `ctx.stateKeys()` lists only what was there when it started. */
  readonly #written = new Set<string>();
  #deferred = false;

  constructor(
    ctx: ObjectContext | ObjectSharedContext,
    options: RestateCheckpointSaverOptions = {},
  ) {
    super(options.serde);
    this.#ctx = ctx;
    this.#prefix = options.prefix ?? 'langgraph';
    this.#step = options.step ?? {};
    this.#keep =
      options.keepCheckpoints === undefined
        ? undefined
        : assertConcurrency(options.keepCheckpoints, 'RestateCheckpointSaver keepCheckpoints');
  }

  /** The most one commit step journals (the step's `maxValueBytes`). */
  get #limit(): number {
    return this.#step.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
  }

  /**
   * Fails with a terminal error when one channel value of the thread's latest checkpoint is already over
   * the commit step's limit: the run would pay for its model calls and then fail to commit, every time.
   * {@link durableGraph} calls it before a run starts.
   */
  async assertFits(config: RunnableConfig): Promise<void> {
    const threadId = config.configurable?.thread_id as string | undefined;
    const namespace = (config.configurable?.checkpoint_ns as string | undefined) ?? '';
    if (threadId === undefined) return;
    const ids = (await this.#index(threadId))[namespace];
    const checkpointId = ids === undefined ? undefined : latest(Object.keys(ids));
    if (checkpointId === undefined) return;
    const stored = await this.#read<StoredCheckpoint>(
      this.#key('cp', threadId, namespace, checkpointId),
    );
    if (!stored) return;
    const checkpoint = (await this.#load(stored.checkpoint)) as Checkpoint;
    for (const [channel, version] of Object.entries(checkpoint.channel_versions)) {
      const key = this.#key('blob', threadId, namespace, channel, String(version));
      const bytes = entryBytes(key, await this.#read<StoredBlob>(key));
      if (bytes > this.#limit) {
        throw new RepeatingFailureError(
          'checkpoint-too-large',
          `the channel "${channel}" of thread "${threadId}" holds ${bytes} bytes, over the ` +
            `${this.#limit} bytes one langgraph:checkpoint step may journal, so this run could not ` +
            'commit its checkpoint. Raise it with new RestateCheckpointSaver(ctx, { step: { ' +
            'maxValueBytes } }) (Restate accepts up to 32 MiB per message by default), or keep ' +
            'less in the channel (trim or summarise old messages) with graph.updateState.',
        );
      }
    }
  }

  /** Holds every following write in memory until {@link commitWrites}; reads see the held writes. */
  deferWrites(): void {
    this.#deferred = true;
  }

  /**
   * Journals the held writes as one step (`langgraph:checkpoint`) and applies the journaled copy to state,
   * in key order; afterwards writes go to state directly again. Needs an exclusive handler.
   */
  async commitWrites(): Promise<void> {
    this.#deferred = false;
    if (this.#pending.size === 0) return;
    const ctx = this.#writable('commitWrites');
    const held = [...this.#pending].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.#pending.clear();
    // As many steps as the size limit needs, each journaled whole; on replay the held values differ
    // (fresh checkpoint ids and timestamps), the journaled copies do not.
    for (const chunk of chunkBySize(held, this.#limit)) {
      const journaled = await durableStep(
        this.#ctx,
        STEP_NAMES.checkpoint,
        () => chunk,
        this.#step as DurableStepOptions<[string, unknown][]>,
      );
      for (const [key, value] of journaled) this.#apply(ctx, key, value);
    }
  }

  /**
   * Runs one saver operation outside {@link deferWrites} (LangGraph's `updateState`, `deleteThread`, the
   * caller's own `put`) with its writes held and committed as one journaled step: LangGraph gives every
   * checkpoint a random uuid6 id and a timestamp, so writing them to state directly would put different
   * keys and values in the journal on replay (570). Inside a deferred run the writes just join it.
   */
  async #own<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#deferred) return operation();
    this.#deferred = true;
    let result: T;
    try {
      result = await operation();
    } catch (error) {
      this.#deferred = false;
      this.#pending.clear();
      throw error;
    }
    await this.commitWrites();
    return result;
  }

  /**
   * What the steps of a thread's interrupted tasks returned before their `interrupt()` (see
   * `durableGraph`): task id → step → result; `undefined` when none are kept.
   */
  async readTaskMemo(
    threadId: string,
  ): Promise<Record<string, Record<string, unknown>> | undefined> {
    return this.#read(this.#key('memo', threadId));
  }

  /**
   * Replaces what {@link readTaskMemo} reads (`undefined` clears it). Deferred like every write: it goes to
   * state in the same journaled commit as the checkpoint the task ids derive from.
   */
  writeTaskMemo(threadId: string, memo: Record<string, Record<string, unknown>> | undefined): void {
    this.#write(this.#key('memo', threadId), memo);
  }

  override async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const threadId = config.configurable?.thread_id as string | undefined;
    const namespace = (config.configurable?.checkpoint_ns as string | undefined) ?? '';
    if (threadId === undefined) return undefined;
    const ids = (await this.#index(threadId))[namespace];
    if (ids === undefined) return undefined;
    const checkpointId = getCheckpointId(config) || latest(Object.keys(ids));
    if (!checkpointId || !(checkpointId in ids)) return undefined;
    const tuple = await this.#tuple(threadId, namespace, checkpointId, ids[checkpointId] ?? null);
    if (tuple && getCheckpointId(config)) tuple.config = config;
    return tuple;
  }

  override async *list(
    config: RunnableConfig,
    options: CheckpointListOptions = {},
  ): AsyncGenerator<CheckpointTuple> {
    const { before, filter } = options;
    let limit = options.limit;
    const threadIds = config.configurable?.thread_id
      ? [config.configurable.thread_id as string]
      : await this.#threads();
    const wantedNamespace = config.configurable?.checkpoint_ns as string | undefined;
    const wantedId = config.configurable?.checkpoint_id as string | undefined;
    const beforeId = before?.configurable?.checkpoint_id as string | undefined;
    for (const threadId of threadIds) {
      const index = await this.#index(threadId);
      for (const [namespace, ids] of Object.entries(index)) {
        if (wantedNamespace !== undefined && namespace !== wantedNamespace) continue;
        for (const checkpointId of Object.keys(ids).sort().reverse()) {
          if (wantedId && checkpointId !== wantedId) continue;
          if (beforeId && checkpointId >= beforeId) continue;
          const stored = await this.#read<StoredCheckpoint>(
            this.#key('cp', threadId, namespace, checkpointId),
          );
          if (!stored) continue;
          const metadata = (await this.#load(stored.metadata)) as Record<string, unknown>;
          if (filter && !Object.entries(filter).every(([key, value]) => metadata[key] === value)) {
            continue;
          }
          if (limit !== undefined) {
            if (limit <= 0) return;
            limit -= 1;
          }
          const tuple = await this.#tuple(
            threadId,
            namespace,
            checkpointId,
            ids[checkpointId] ?? null,
          );
          if (tuple) yield tuple;
        }
      }
    }
  }

  override put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: ChannelVersions,
  ): Promise<RunnableConfig> {
    return this.#own(() => this.#put(config, checkpoint, metadata, newVersions));
  }

  async #put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: ChannelVersions,
  ): Promise<RunnableConfig> {
    const threadId = config.configurable?.thread_id as string | undefined;
    const namespace = (config.configurable?.checkpoint_ns as string | undefined) ?? '';
    if (threadId === undefined) {
      throw new Error(
        'RestateCheckpointSaver.put: the config has no configurable.thread_id. Run the graph with ' +
          '{ configurable: { thread_id: ctx.key } } so the checkpoint knows which thread it belongs to.',
      );
    }
    const { channel_values: values, ...rest } = copyCheckpoint(checkpoint);
    for (const [channel, version] of Object.entries(newVersions)) {
      const blob = channel in values ? await this.serde.dumpsTyped(values[channel]) : null;
      this.#write(this.#key('blob', threadId, namespace, channel, String(version)), blob);
    }
    const stored: StoredCheckpoint = {
      checkpoint: await this.serde.dumpsTyped({ ...rest, channel_values: {} }),
      metadata: await this.serde.dumpsTyped(metadata),
    };
    const threads = await this.#threads();
    if (!threads.includes(threadId)) this.#write(this.#key('threads'), [...threads, threadId]);
    const index = structuredClone(await this.#index(threadId));
    index[namespace] ??= {};
    index[namespace][checkpoint.id] =
      (config.configurable?.checkpoint_id as string | undefined) ?? null;
    this.#write(this.#key('cp', threadId, namespace, checkpoint.id), stored);
    // Likewise a checkpoint stored in this invocation has no writes in state to read back.
    const writesKey = this.#key('writes', threadId, namespace, checkpoint.id);
    if (!this.#cache.has(writesKey)) this.#cache.set(writesKey, {});
    await this.#prune(threadId, namespace, index, checkpoint);
    this.#write(this.#key('index', threadId), index);
    return {
      configurable: { thread_id: threadId, checkpoint_ns: namespace, checkpoint_id: checkpoint.id },
    };
  }

  /**
   * Drops the oldest checkpoints of the namespace beyond {@link RestateCheckpointSaverOptions.keepCheckpoints}
   * from `index` (which the caller writes), with their writes and the blobs no kept checkpoint refers to.
   */
  async #prune(
    threadId: string,
    namespace: string,
    index: ThreadIndex,
    newest: Checkpoint,
  ): Promise<void> {
    const ids = index[namespace] ?? {};
    if (this.#keep === undefined || Object.keys(ids).length <= this.#keep) return;
    const sorted = Object.keys(ids).sort();
    const dropped = sorted.slice(0, sorted.length - this.#keep);
    const kept = sorted.slice(sorted.length - this.#keep);
    const versions = async (id: string): Promise<ChannelVersions> => {
      if (id === newest.id) return newest.channel_versions;
      const stored = await this.#read<StoredCheckpoint>(this.#key('cp', threadId, namespace, id));
      return stored ? ((await this.#load(stored.checkpoint)) as Checkpoint).channel_versions : {};
    };
    const blobKeys = async (id: string) =>
      Object.entries(await versions(id)).map(([channel, version]) =>
        this.#key('blob', threadId, namespace, channel, String(version)),
      );
    // One read after the other: state reads are journal entries, their order must not depend on timing.
    const referenced = new Set<string>();
    for (const id of kept) for (const key of await blobKeys(id)) referenced.add(key);
    for (const id of dropped) {
      for (const key of await blobKeys(id)) {
        if (!referenced.has(key)) this.#write(key, undefined);
      }
      this.#write(this.#key('cp', threadId, namespace, id), undefined);
      this.#write(this.#key('writes', threadId, namespace, id), undefined);
      delete ids[id];
    }
  }

  override putWrites(
    config: RunnableConfig,
    writes: PendingWrite[],
    taskId: string,
    taskPath?: string,
  ): Promise<void> {
    return this.#own(() => this.#putWrites(config, writes, taskId, taskPath));
  }

  async #putWrites(
    config: RunnableConfig,
    writes: PendingWrite[],
    taskId: string,
    taskPath?: string,
  ): Promise<void> {
    const threadId = config.configurable?.thread_id as string | undefined;
    const namespace = (config.configurable?.checkpoint_ns as string | undefined) ?? '';
    const checkpointId = config.configurable?.checkpoint_id as string | undefined;
    if (threadId === undefined || checkpointId === undefined) {
      throw new Error(
        'RestateCheckpointSaver.putWrites: the config needs configurable.thread_id and ' +
          `configurable.checkpoint_id (got thread_id ${String(threadId)}, checkpoint_id ${String(checkpointId)})`,
      );
    }
    const key = this.#key('writes', threadId, namespace, checkpointId);
    // LangGraph's checkpoint ids are random: a state read under the key of a checkpoint that is not stored
    // yet would differ on replay. Only checkpoints in the (deterministically keyed) index are read.
    const stored = (await this.#index(threadId))[namespace]?.[checkpointId] !== undefined;
    if (stored || this.#cache.has(key)) await this.#read<StoredWrites>(key);
    const serialised = await Promise.all(
      writes.map(([, value]) => this.serde.dumpsTyped(value) as Promise<Typed>),
    );
    // From here on synchronous: LangGraph puts the writes of parallel tasks at once (their interrupts,
    // say), and each must merge into what the others wrote, not into what was there before they began.
    const existing = (this.#cache.get(key) as StoredWrites | undefined) ?? {};
    const next: StoredWrites = { ...existing };
    for (const [idx, [channel]] of writes.entries()) {
      const slot = WRITES_IDX_MAP[channel] ?? idx;
      const slotKey = `${taskId},${slot}`;
      // A regular write is kept once per task and index; special channels (errors, interrupts) overwrite.
      if (slot >= 0 && slotKey in existing) continue;
      next[slotKey] = [taskId, channel, serialised[idx] as Typed, taskPath ?? ''];
    }
    this.#write(key, next);
  }

  override deleteThread(threadId: string): Promise<void> {
    return this.#own(() => this.#deleteThread(threadId));
  }

  async #deleteThread(threadId: string): Promise<void> {
    // What is in state (journaled) plus what this run holds. Not the read cache: it also has the keys of
    // checkpoints LangGraph made in this attempt, whose random ids differ on replay.
    const known = new Set([
      ...(await this.#ctx.stateKeys()),
      ...this.#written,
      ...this.#pending.keys(),
    ]);
    for (const key of [...known].sort()) {
      if (this.#threadOf(key) === threadId) this.#write(key, undefined);
    }
    const threads = await this.#threads();
    if (threads.includes(threadId)) {
      const rest = threads.filter((thread) => thread !== threadId);
      this.#write(this.#key('threads'), rest.length > 0 ? rest : undefined);
    }
  }

  async #tuple(
    threadId: string,
    namespace: string,
    checkpointId: string,
    parentId: string | null,
  ): Promise<CheckpointTuple | undefined> {
    const stored = await this.#read<StoredCheckpoint>(
      this.#key('cp', threadId, namespace, checkpointId),
    );
    if (!stored) return undefined;
    const checkpoint = (await this.#load(stored.checkpoint)) as Checkpoint;
    for (const [channel, version] of Object.entries(checkpoint.channel_versions)) {
      const blob = await this.#read<StoredBlob>(
        this.#key('blob', threadId, namespace, channel, String(version)),
      );
      if (blob) checkpoint.channel_values[channel] = await this.#load(blob);
    }
    if (checkpoint.v < 4 && parentId !== null) {
      await this.#migratePendingSends(checkpoint, threadId, namespace, parentId);
    }
    const tuple: CheckpointTuple = {
      config: {
        configurable: {
          thread_id: threadId,
          checkpoint_ns: namespace,
          checkpoint_id: checkpointId,
        },
      },
      checkpoint,
      metadata: (await this.#load(stored.metadata)) as CheckpointMetadata,
      pendingWrites: await this.#pendingWrites(threadId, namespace, checkpointId),
    };
    if (parentId !== null) {
      tuple.parentConfig = {
        configurable: { thread_id: threadId, checkpoint_ns: namespace, checkpoint_id: parentId },
      };
    }
    return tuple;
  }

  async #pendingWrites(
    threadId: string,
    namespace: string,
    checkpointId: string,
  ): Promise<CheckpointPendingWrite[]> {
    const stored =
      (await this.#read<StoredWrites>(this.#key('writes', threadId, namespace, checkpointId))) ??
      {};
    const ordered = Object.entries(stored)
      .map(([slotKey, record]) => ({
        sortKey: writesSortKey(
          record[3],
          record[0],
          Number(slotKey.slice(slotKey.lastIndexOf(',') + 1)),
        ),
        record,
      }))
      .sort((a, b) => compareWritesSortKeys(a.sortKey, b.sortKey));
    const writes: CheckpointPendingWrite[] = [];
    for (const { record } of ordered)
      writes.push([record[0], record[1], await this.#load(record[2])]);
    return writes;
  }

  /** Checkpoints older than format v4 kept pending sends in their parent's writes (as MemorySaver migrates them). */
  async #migratePendingSends(
    checkpoint: Checkpoint,
    threadId: string,
    namespace: string,
    parentId: string,
  ): Promise<void> {
    const parentWrites = await this.#pendingWrites(threadId, namespace, parentId);
    checkpoint.channel_values ??= {};
    checkpoint.channel_values[TASKS] = parentWrites
      .filter(([, channel]) => channel === TASKS)
      .map(([, , value]) => value);
    checkpoint.channel_versions ??= {};
    const versions = Object.values(checkpoint.channel_versions);
    checkpoint.channel_versions[TASKS] =
      versions.length > 0 ? maxChannelVersion(...versions) : this.getNextVersion(undefined);
  }

  #load([type, data]: Typed): Promise<unknown> {
    return this.serde.loadsTyped(type, data);
  }

  async #threads(): Promise<string[]> {
    return (await this.#read<string[]>(this.#key('threads'))) ?? [];
  }

  async #index(threadId: string): Promise<ThreadIndex> {
    return (await this.#read<ThreadIndex>(this.#key('index', threadId))) ?? {};
  }

  #key(kind: string, ...parts: string[]): string {
    return parts.length === 0
      ? `${this.#prefix}:${kind}`
      : `${this.#prefix}:${kind}:${JSON.stringify(parts)}`;
  }

  /** The thread id a per-thread key belongs to (the first of its JSON-encoded parts). */
  #threadOf(key: string): string | undefined {
    const start = key.indexOf(':[');
    if (!key.startsWith(`${this.#prefix}:`) || start === -1) return undefined;
    try {
      const parts = JSON.parse(key.slice(start + 1)) as unknown[];
      return typeof parts[0] === 'string' ? parts[0] : undefined;
    } catch {
      return undefined;
    }
  }

  #read<T>(key: string): Promise<T | undefined> {
    return readThrough<T>(this.#ctx, this.#cache, key);
  }

  #write(key: string, value: unknown): void {
    this.#cache.set(key, value);
    if (this.#deferred) {
      this.#pending.set(key, value);
      return;
    }
    this.#apply(this.#writable('a checkpoint write'), key, value);
  }

  /** Writes `value` to state now (`undefined` clears the key), remembering what this invocation set. */
  #apply(ctx: ObjectContext, key: string, value: unknown): void {
    this.#cache.set(key, value);
    if (value === undefined) {
      ctx.clear(key);
      this.#written.delete(key);
    } else {
      ctx.set(key, value, stateSerde);
      this.#written.add(key);
    }
  }

  #writable(what: string): ObjectContext {
    const ctx = this.#ctx as ObjectContext;
    if (typeof ctx.set !== 'function') {
      throw new TypeError(
        `RestateCheckpointSaver: ${what} needs an exclusive handler's ObjectContext; this handler is shared (read-only).`,
      );
    }
    return ctx;
  }
}

/** Bytes one held write takes in a commit step. */
function entryBytes(key: string, value: unknown): number {
  return stateSerde.serialize([key, value]).byteLength;
}

/** Splits the held writes, in order, into runs that each journal within `limit` bytes. */
function chunkBySize(held: [string, unknown][], limit: number): Array<[string, unknown][]> {
  // Room for the array around the entries and the step's own framing.
  const budget = Math.max(1, limit - 1024);
  const chunks: Array<[string, unknown][]> = [];
  let current: [string, unknown][] = [];
  let size = 0;
  for (const entry of held) {
    const bytes = entryBytes(entry[0], entry[1]);
    if (current.length > 0 && size + bytes > budget) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    // An entry over the limit alone goes in a step of its own, which refuses it naming the step.
    current.push(entry);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Checkpoint ids are uuid6 strings: the largest sorts last and is the latest. */
function latest(ids: string[]): string | undefined {
  return ids.sort().at(-1);
}
