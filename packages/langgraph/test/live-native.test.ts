/**
 * LangGraph's native stream modes through the live stream log, on a real restate-server: a web backend reads
 * `graphStreamEvents` (`['messages', …]`, `['updates', …]`, `['restate/retract', …]`) of a `durableGraph` run
 * of the standard ReAct graph (a model node streaming slowly, a `ToolNode`, two tool calls in one message),
 * while the agent's process is SIGKILLed mid-stream. The messages fold to the journaled answers with exactly
 * one retraction, each node's update comes once, a resume by offset has no gap and no duplicate, and
 * `graphUIMessageStream` folded by the AI SDK's own `readUIMessageStream` gives the message the log's UI
 * chunks give. One server for both modes: `LiveNativeReplayGraph` replays after every journaled step.
 */
import { fileURLToPath } from 'node:url';
import {
  type AIMessage,
  type AIMessageChunk,
  type BaseMessage,
  isAIMessageChunk,
  isBaseMessage,
  mapStoredMessageToChatMessage,
  type StoredMessage,
  type ToolMessage,
} from '@langchain/core/messages';
import { agentStreamObject, streamClient } from '@restate-agents/core';
import { useLiveHarness } from '@restate-agents/testing/vitest';
import { readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';
import { expect, it } from 'vitest';
import { type GraphStreamEvent, graphStreamEvents, graphUIMessageStream } from '../src/index.js';

// The stream log in this process, the agent in a child process with a warm standby (a test kills and restarts
// it); fast retries find the restarted service within a second (nothing here asserts on the back-off).
const serviceEntry = fileURLToPath(new URL('./live-native-service.js', import.meta.url));
const live = useLiveHarness({ serviceEntry, streamObject: agentStreamObject(), streamClient });
const { restate, model: mock, service, log } = live;

/** A long first answer whose words say which attempt wrote them. */
const reply = (attempt: number): string =>
  Array.from({ length: 24 }, (_, i) => `${attempt === 1 ? 'alpha' : 'bravo'}${i}`).join(' ');

/** The ReAct conversation: a first answer with two tool calls, then a final answer. */
function script(chatId: string, firstDelayMs: (attempt: number) => number): void {
  mock.conversation(chatId, (request) =>
    request.turnIndex === 0
      ? {
          text: reply(request.attempt),
          toolCalls: [
            { name: 'lookup', arguments: { text: 'o7' } },
            { name: 'lookup', arguments: { text: 'k9' } },
          ],
          chunkDelayMs: firstDelayMs(request.attempt),
        }
      : { text: 'Both were found.', chunkDelayMs: 20 },
  );
}

/** Starts a turn. */
async function start(object: string, chatId: string) {
  const { invocationId } = await restate.send(
    { service: object, key: chatId, handler: 'chat' },
    'look up o7 and k9',
  );
  return invocationId;
}

/** The run's messages but the prompt, as the handler returned them (stored form). */
const journaledMessages = (stored: StoredMessage[]): BaseMessage[] =>
  stored
    .map((message) => mapStoredMessageToChatMessage(message))
    .filter((message) => message.type !== 'human');

/** A value as JSON, each LangChain message as its stored form (as the service returns them). */
function asJson(value: unknown): unknown {
  if (isBaseMessage(value)) return value.toDict();
  if (Array.isArray(value)) return value.map(asJson);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, asJson(entry)]));
}

/** Each message's metadata, in order of first appearance, without the per-attempt checkpoint namespaces. */
function metadataByMessage(
  tuples: [{ data: { id?: string } } | BaseMessage, Record<string, unknown>][],
) {
  const seen = new Map<string, Record<string, unknown>>();
  for (const [message, metadata] of tuples) {
    const id = isBaseMessage(message) ? message.id : message.data.id;
    if (id === undefined || seen.has(id)) continue;
    seen.set(
      id,
      Object.fromEntries(
        Object.entries(metadata).filter(
          ([key]) => !key.startsWith('__') && !key.endsWith('checkpoint_ns'),
        ),
      ),
    );
  }
  return [...seen.values()];
}

async function collect<T>(events: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const event of events) all.push(event);
  return all;
}

/** What a consumer of `messages` ends with: chunks concatenated per id, a retracted id's chunks dropped. */
function foldMessages(events: GraphStreamEvent[]): BaseMessage[] {
  const folded = new Map<string, BaseMessage>();
  for (const [mode, payload] of events) {
    if (mode === 'restate/retract') {
      folded.delete(payload.id);
    } else if (mode === 'messages') {
      const [message] = payload;
      const id = message.id ?? '';
      const before = folded.get(id);
      // Deleting and setting again keeps a retracted message in its place (after what came before it).
      folded.set(
        id,
        before && isAIMessageChunk(before as never)
          ? (before as AIMessageChunk).concat(message as never)
          : message,
      );
    }
  }
  return [...folded.values()];
}

/** The fields the journal and the stream must agree on. */
function essence(message: BaseMessage) {
  const ai = message as AIMessage;
  return message.type === 'tool'
    ? {
        type: 'tool',
        content: message.content,
        toolCallId: (message as ToolMessage).tool_call_id,
      }
    : {
        type: 'ai',
        text: message.text,
        toolCalls: (ai.tool_calls ?? []).map(({ id, name, args }) => ({ id, name, args })),
      };
}

/** The message a useChat client ends with, folded by the AI SDK's own reader. */
async function folded(stream: ReadableStream<UIMessageChunk>): Promise<UIMessage | undefined> {
  let last: UIMessage | undefined;
  for await (const message of readUIMessageStream({ stream, terminateOnError: true }))
    last = message;
  return last;
}

function streamOf<T>(items: T[]): ReadableStream<T> {
  return new ReadableStream<T>({
    start(controller) {
      for (const item of items) controller.enqueue(item);
      controller.close();
    },
  });
}

async function* fromArray<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

const plain = (events: GraphStreamEvent[]) =>
  events.map((event) => [event.offset, JSON.stringify([event[0], event[1]])]);

/** Checks every promise of the native stream against the journaled run; returns the turn's events. */
async function checkTurn(
  chatId: string,
  invocationId: string,
  journaled: BaseMessage[],
  live: GraphStreamEvent[],
) {
  // A later full read of the turn sees the same tuples at the same offsets.
  const all = await collect(graphStreamEvents(log, chatId, { turn: invocationId }));
  expect(plain(live)).toEqual(plain(all));

  // messages: folded, exactly the journaled answers and tool results, in order.
  expect(foldMessages(all).map(essence)).toEqual(journaled.map(essence));
  expect(journaled.map((message) => message.type)).toEqual(['ai', 'tool', 'tool', 'ai']);
  const first = all.find(([mode]) => mode === 'messages') as GraphStreamEvent;
  expect((first[1] as [BaseMessage, Record<string, unknown>])[1]).toMatchObject({
    langgraph_node: 'agent',
    langgraph_step: 1,
    thread_id: chatId,
    langgraph_checkpoint_ns: expect.stringMatching(/^agent:/),
  });
  const toolTuples = all.filter(
    ([mode, payload]) =>
      mode === 'messages' && (payload as [BaseMessage, unknown])[0].type === 'tool',
  ) as GraphStreamEvent[];
  expect(
    toolTuples.map(
      (event) => (event[1] as [BaseMessage, { langgraph_node: string }])[1].langgraph_node,
    ),
  ).toEqual(['tools', 'tools']);

  // updates: each node once, with the journaled messages.
  const updates = all
    .filter(([mode]) => mode === 'updates')
    .map((event) => event[1] as Record<string, { messages: BaseMessage[] }>);
  expect(updates.map((update) => Object.keys(update))).toEqual([['agent'], ['tools'], ['agent']]);
  const updated = updates.flatMap((update) =>
    Object.values(update).flatMap((value) => value.messages),
  );
  expect(updated.map((message) => message.id)).toEqual(journaled.map((message) => message.id));
  expect(updated.map(essence)).toEqual(journaled.map(essence));

  // Resume by offset in the middle of a streamed answer: the rest, no gap, no duplicate.
  const deltas = all.filter(
    ([mode, payload]) => mode === 'messages' && (payload as [BaseMessage, unknown])[0].text,
  );
  const cut = deltas[Math.floor(deltas.length / 2)] as GraphStreamEvent;
  const resumed = await collect(graphStreamEvents(log, chatId, { from: cut.offset + 1 }));
  expect(plain([...all.filter((event) => event.offset <= cut.offset), ...resumed])).toEqual(
    plain(all),
  );

  // useChat: the mapper's stream folds to the message the log's own UI chunks fold to.
  const fromTuples = await folded(graphUIMessageStream<UIMessageChunk>(fromArray(all)));
  const frames = await collect(log.frames(chatId, { turn: invocationId }));
  const fromLog = await folded(streamOf(frames.map((frame) => frame.chunk as UIMessageChunk)));
  expect(fromTuples?.parts).toEqual(fromLog?.parts);
  const texts = (fromTuples?.parts ?? []).flatMap((part) =>
    part.type === 'text' ? [part.text] : [],
  );
  expect(texts).toEqual(
    journaled.filter((message) => message.type === 'ai').map((message) => message.text),
  );
  expect(fromTuples?.parts.filter((part) => part.type === 'tool-lookup')).toMatchObject([
    { state: 'output-available', input: { text: 'o7' }, output: 'found o7' },
    { state: 'output-available', input: { text: 'k9' }, output: 'found k9' },
  ]);
  return all;
}

it('live native: SIGKILL mid-stream → messages fold to the journaled answers, one retract, each update once, resume and useChat mapper agree', async () => {
  const chatId = 'lg-native-kill';
  // Attempt 1 streams slowly, so the kill lands mid-stream even on a busy machine.
  script(chatId, (attempt) => (attempt === 1 ? 100 : 20));
  const invocationId = await start('LiveNativeGraph', chatId);
  const live: GraphStreamEvent[] = [];
  let killed = false;
  for await (const event of graphStreamEvents(log, chatId, { turn: invocationId })) {
    live.push(event);
    const shown = live.filter(([mode]) => mode === 'messages').length;
    if (!killed && shown >= 3) {
      killed = true;
      await service.kill();
      void service.restart();
    }
  }
  expect(killed).toBe(true);
  const answers = journaledMessages(await restate.attach<StoredMessage[]>(invocationId));
  expect(answers[0]?.text).toBe(reply(2));
  const all = await checkTurn(chatId, invocationId, answers, live);
  const retracts = all.filter(([mode]) => mode === 'restate/retract');
  expect(retracts.map((event) => event[1])).toEqual([
    { segment: 1, id: expect.stringMatching(/^run-/) },
  ]);
  // Nothing of the killed attempt after the retraction.
  const at = all.indexOf(retracts[0] as GraphStreamEvent);
  expect(JSON.stringify(all.slice(0, at))).toContain('alpha0');
  expect(JSON.stringify(all.slice(at))).not.toContain('alpha');
  expect(mock.requestsFor(chatId).map((request) => request.attempt)).toEqual([1, 2, 1]);
});

it('live native (always-replay): the same run replayed after every step → no retract, each update once, resumed reader agrees', async () => {
  const chatId = 'lg-native-replay';
  script(chatId, () => 30);
  const invocationId = await start('LiveNativeReplayGraph', chatId);
  // A reader that drops the connection after four deltas and resumes from the next offset.
  const live: GraphStreamEvent[] = [];
  for await (const event of graphStreamEvents(log, chatId, { turn: invocationId })) {
    live.push(event);
    if (live.filter(([mode]) => mode === 'messages').length >= 4) break;
  }
  const last = live.at(-1) as GraphStreamEvent;
  live.push(...(await collect(graphStreamEvents(log, chatId, { from: last.offset + 1 }))));
  // LangGraph's own `messages` and `updates` of the same run, as the handler's `graph.stream` saw them.
  const own = await restate.attach<{
    messages: [{ data: { id?: string } }, Record<string, unknown>][];
    updates: Record<string, { messages: StoredMessage[] }>[];
  }>(invocationId);
  const journaled = journaledMessages(
    own.updates.flatMap((update) => Object.values(update).flatMap((value) => value.messages)),
  );
  const all = await checkTurn(chatId, invocationId, journaled, live);
  expect(all.filter(([mode]) => mode === 'restate/retract')).toEqual([]);
  // The log's updates are LangGraph's, and each message carries LangGraph's metadata.
  expect(all.filter(([mode]) => mode === 'updates').map((event) => asJson(event[1]))).toEqual(
    own.updates,
  );
  const ours = all.filter(([mode]) => mode === 'messages').map((event) => event[1]) as [
    BaseMessage,
    Record<string, unknown>,
  ][];
  expect(metadataByMessage(ours)).toEqual(metadataByMessage(own.messages));
});

it('live native: a graph with concurrency above 1 cannot stream live → a clear error, no retries', async () => {
  const { invocationId } = await restate.send(
    { service: 'LiveNativeParallelGraph', key: 'lg-native-parallel', handler: 'chat' },
    'hello',
  );
  await expect(restate.attach(invocationId)).rejects.toThrow(
    /cannot stream live with concurrency 2.*Use concurrency 1/,
  );
});
