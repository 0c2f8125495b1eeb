/**
 * The agent side of LangGraph's native stream modes on the live stream log (docs/live-streaming.md,
 * "LangGraph native stream modes"). The log's frames stay AI SDK UI chunks (what every client reads); what
 * UI chunks cannot say — which node and step a model call belongs to, the journaled answer's tool calls and
 * usage, each node's update — goes beside them as transient `data-langgraph-*` chunks, which `useChat`
 * hands to `onData` and otherwise ignores. `graphStreamEvents` turns the frames back into
 * `[mode, payload]` tuples.
 *
 * Every such chunk is an authoritative event (numbered in handler order, kept once by the log), built from
 * journaled values at a point every replay reaches in the same order: a model call's start and successful
 * end (LangChain's callbacks, awaited, so they run in handler order), and a node's end inside its
 * `durableGraph` gate slot. Nothing is sent on a failure a retry might not repeat (a suspension): a replay
 * must send the same events in the same order, or the log's numbering would keep the wrong one.
 */
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import { type BaseMessage, isBaseMessage } from '@langchain/core/messages';
import type { LLMResult } from '@langchain/core/outputs';
import { isCommand } from '@langchain/langgraph';
import type { LiveStream } from '@restate-agents/core';
import { GRAPH_CHUNKS, toWire } from './live-graph-wire.js';

/** The events of one graph run: the callback handler for model calls and what a node's end sends. */
export interface LiveGraphEvents {
  /** Add to the run's callbacks: model starts and journaled answers. */
  readonly handler: BaseCallbackHandler;
  /** After a node's task succeeded (in its gate slot): its unseen output messages and its update. */
  nodeEnd(task: NodeTask): void;
  /** A node that stopped at `interrupt()`: LangGraph's `{ __interrupt__ }` update. */
  nodeInterrupt(task: Omit<NodeTask, 'input' | 'writes' | 'output'>, interrupts: unknown[]): void;
}

/** One finished task of a graph level, as the gate saw it. */
export interface NodeTask {
  /** The task's config metadata (`langgraph_node`, `langgraph_checkpoint_ns`, …). */
  metadata: Record<string, unknown>;
  tags: readonly string[];
  /** The node's input (its messages count as seen) and output (its messages not seen are sent). */
  input: unknown;
  output: unknown;
  /** The channel writes the task made, in order. */
  writes: readonly (readonly [string, unknown])[];
  /** The output channels of the graph the task belongs to. */
  outputChannels: string | string[];
}

/** LangGraph's channel for a functional entrypoint's return value (`pregel/io`). */
const RETURN = '__return__';

/** The events of one `durableGraph` run on `live`. */
export function liveGraphEvents(live: LiveStream): LiveGraphEvents {
  // Ids of the journaled answers sent already: a node returning them does not send them again.
  const answered = new Set<string>();
  const handler = new GraphEventsHandler(live, answered);
  return {
    handler,
    nodeEnd(task) {
      if ((task.tags ?? []).includes('langsmith:hidden')) return;
      const ns = namespaceOf(task.metadata);
      const node = String(task.metadata.langgraph_node ?? '');
      const metadata = { tags: [...task.tags], name: node, ...jsonMetadata(task.metadata) };
      // What LangGraph's messages handler sends at a node's end: the messages it returned that it neither
      // got as input nor streamed (a ToolNode's ToolMessages, a message a node built itself).
      const seen = new Set(answered);
      for (const message of messagesIn(task.input, false)) if (message.id) seen.add(message.id);
      for (const message of messagesIn(task.output, true)) {
        if (message.id !== undefined && seen.has(message.id)) continue;
        if (message.id !== undefined) seen.add(message.id);
        live.event({
          type: GRAPH_CHUNKS.message,
          transient: true,
          data: { ns, metadata, message: message.toDict() },
        });
      }
      const updates = taskUpdates(node, task.writes, task.outputChannels);
      if (updates !== undefined) {
        live.event({
          type: GRAPH_CHUNKS.updates,
          transient: true,
          data: { ns, updates: toWire(updates) },
        });
      }
    },
    nodeInterrupt(task, interrupts) {
      if ((task.tags ?? []).includes('langsmith:hidden') || interrupts.length === 0) return;
      live.event({
        type: GRAPH_CHUNKS.updates,
        transient: true,
        data: { ns: namespaceOf(task.metadata), updates: toWire({ __interrupt__: interrupts }) },
      });
    },
  };
}

/**
 * Model calls: `data-langgraph-model` at the start (LangGraph's `messages` metadata for its tokens),
 * `data-langgraph-model-end` with the journaled answer after it succeeded. Awaited by LangChain (not run in
 * the background), so each lands in handler order: before the model step's preview, after its chunks.
 */
class GraphEventsHandler extends BaseCallbackHandler {
  name = 'RestateAgentsGraphEvents';
  readonly #live: LiveStream;
  readonly #answered: Set<string>;
  readonly #runs = new Set<string>();

  constructor(live: LiveStream, answered: Set<string>) {
    super();
    this.awaitHandlers = true;
    this.#live = live;
    this.#answered = answered;
  }

  override handleChatModelStart(
    _llm: unknown,
    _messages: unknown,
    runId: string,
    _parentRunId?: string,
    _extraParams?: Record<string, unknown>,
    tags?: string[],
    metadata?: Record<string, unknown>,
    name?: string,
  ): void {
    // Only models inside a node: LangGraph's messages mode has no namespace for others.
    if (metadata?.langgraph_node === undefined) return;
    this.#runs.add(runId);
    this.#live.event({
      type: GRAPH_CHUNKS.model,
      transient: true,
      data: {
        run: runId,
        ns: namespaceOf(metadata),
        metadata: {
          tags: tags ?? [],
          ...(name !== undefined && { name }),
          ...jsonMetadata(metadata),
        },
      },
    });
  }

  override handleLLMEnd(output: LLMResult, runId: string): void {
    if (!this.#runs.delete(runId)) return;
    const generation = output.generations?.[0]?.[0] as { message?: unknown } | undefined;
    const message = generation?.message;
    if (!isBaseMessage(message)) return;
    if (message.id) this.#answered.add(message.id);
    this.#live.event({
      type: GRAPH_CHUNKS.modelEnd,
      transient: true,
      data: { run: runId, message: message.toDict() },
    });
  }
}

/** LangGraph's stream namespace of a task or model run: its checkpoint namespace without the task itself. */
function namespaceOf(metadata: Record<string, unknown>): string[] {
  const ns = metadata.langgraph_checkpoint_ns ?? metadata.checkpoint_ns;
  if (typeof ns !== 'string' || ns === '') return [];
  return ns.split('|').slice(0, -1);
}

/** The metadata as JSON: LangGraph's own keys and the user's, without internal (`__`) keys or functions. */
function jsonMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (key.startsWith('__') || value === undefined || typeof value === 'function') continue;
    try {
      kept[key] = JSON.parse(JSON.stringify(value));
    } catch {
      // Not serialisable (a cycle, a BigInt): left out.
    }
  }
  return kept;
}

/**
 * The messages in a node's input or output, as LangGraph's messages handler finds them: a message, a list,
 * a `Command`'s update, or the values (and lists) of a state update.
 */
function messagesIn(value: unknown, output: boolean): BaseMessage[] {
  const found: BaseMessage[] = [];
  const visit = (item: unknown, depth: number): void => {
    if (isBaseMessage(item)) found.push(item);
    else if (output && isCommand(item)) visit(item.update, depth);
    else if (Array.isArray(item)) for (const entry of item) visit(entry, depth);
    else if (depth === 0 && item !== null && typeof item === 'object')
      for (const entry of Object.values(item)) visit(entry, depth + 1);
  };
  visit(value, 0);
  return found;
}

/**
 * LangGraph's `updates` payload of one task (what `mapOutputUpdates` in `pregel/io` builds from the task's
 * writes), or `undefined` when it writes nothing LangGraph would stream.
 */
function taskUpdates(
  node: string,
  writes: readonly (readonly [string, unknown])[],
  outputChannels: string | string[],
): Record<string, unknown> | undefined {
  if (writes.length === 0) return undefined;
  const first = writes[0]?.[0];
  if (first === '__error__' || first === '__interrupt__') return undefined;
  let values: unknown[];
  if (writes.some(([channel]) => channel === RETURN)) {
    values = writes.filter(([channel]) => channel === RETURN).map(([, value]) => value);
  } else if (!Array.isArray(outputChannels)) {
    values = writes.filter(([channel]) => channel === outputChannels).map(([, value]) => value);
  } else {
    const kept = writes.filter(([channel]) => outputChannels.includes(channel));
    const counts = new Map<string, number>();
    for (const [channel] of kept) counts.set(channel, (counts.get(channel) ?? 0) + 1);
    values = [...counts.values()].some((count) => count > 1)
      ? kept.map(([channel, value]) => ({ [channel]: value }))
      : [Object.fromEntries(kept)];
  }
  if (values.length === 0) return {};
  return { [node]: values.length === 1 ? values[0] : values };
}
