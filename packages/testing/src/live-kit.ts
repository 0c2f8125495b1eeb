/**
 * The live streaming test kit: what every adapter's live tests share (docs/testing.md, "Live streaming").
 *
 * - The contract of a live agent service: environment, object names, the `lookup` tool
 *   ({@link LIVE_ENV}, {@link LIVE_OBJECTS}, {@link LIVE_TOOL}, {@link liveChatObjects}).
 * - A harness: restate-server, the scripted model server, the stream log served in the test process (an agent
 *   crash does not stop it) and the agent's service in a child process behind a {@link PartitionProxy}.
 * - Reading a turn's frames, folding them the way `useChat` does (the AI SDK's own `readUIMessageStream`), and
 *   the delivery check: every state the client showed after the last `reset-step` is a prefix of the journaled
 *   answer, no word shows twice, and the final message is the journaled answer.
 *
 * The stream log object and its client come from `@restate-agents/core`, passed in by the test: core's tests
 * depend on this package, so this package cannot depend on core.
 */
import { deepStrictEqual, fail, ok } from 'node:assert/strict';
import * as restate from '@restatedev/restate-sdk';
import { modelServerEnv } from './crash-harness.js';
import { type PartitionProxy, startPartitionProxy } from './live-kit-proxy.js';
import { type MockModelServer, startMockModel } from './mock-model/mock-model-server.js';
import {
  type RegisterTarget,
  type RestateEnvironment,
  type StartRestateOptions,
  startRestate,
} from './restate-server.js';
import { type ServiceProcess, startServiceProcess } from './service-process.js';

/** Environment variables a live service is started with, besides `CONFORMANCE_ENV`'s model server URLs. */
export const LIVE_ENV = {
  /** Restate's ingress, for `liveStream(ctx, { streamId: ctx.key, ingressUrl })`. */
  ingressUrl: 'LIVE_INGRESS_URL',
} as const;

/** The Virtual Objects (keyed by chat id) a live service serves; {@link liveChatObjects} makes them. */
export const LIVE_OBJECTS = {
  /** Normal mode. */
  chat: 'LiveChat',
  /** Always-replay mode: `inactivityTimeout: 0`, so every journaled step ends the attempt and the handler replays. */
  replay: 'LiveReplayChat',
  /** The same turn whose model step gives up after one attempt (`maxRetryAttempts: 1`). */
  giveUp: 'LiveGiveUpChat',
} as const;

/** The handler every live object has: one chat turn. */
export const LIVE_HANDLER = 'chat';

/** The one tool of a live agent: `lookup({ text })`. */
export const LIVE_TOOL = {
  name: 'lookup',
  /** The crash point the tool's first line must call (`crashPoint(LIVE_TOOL.crashPoint)`). */
  crashPoint: 'live-in-tool',
  /** The `text` for which the tool throws `new restate.TerminalError(LIVE_TOOL.failure)`; else it returns `found <text>`. */
  failWith: 'boom',
  failure: 'lookup failed for good',
} as const;

/** One chat turn of a live service; `input` is what the test's `startTurn` sent (by default the prompt). */
export type LiveChatHandler<I> = (ctx: restate.ObjectContext, input: I) => Promise<unknown>;

/**
 * The retry policy of a live test service's objects: retries come quickly while a killed service restarts
 * (Restate's default backoff grows to seconds). {@link liveChatObjects} sets it; a service that defines its
 * own objects passes it as `options: { retryPolicy: LIVE_RETRY_POLICY }`.
 */
export const LIVE_RETRY_POLICY: {
  readonly initialInterval: number;
  readonly exponentiationFactor: number;
  readonly maxInterval: number;
  readonly maxAttempts: number;
} = {
  initialInterval: 100,
  exponentiationFactor: 1.5,
  maxInterval: 500,
  maxAttempts: 200,
};
const retryPolicy = LIVE_RETRY_POLICY;

/**
 * The objects of {@link LIVE_OBJECTS} for a live service: `chat` serves `LiveChat` and `LiveReplayChat`, `giveUp`
 * (a turn whose model step has `maxRetryAttempts: 1`) serves `LiveGiveUpChat`.
 *
 * @example
 * restate.serve({ services: liveChatObjects({ chat, giveUp }), port: Number(process.env.PORT) });
 */
export function liveChatObjects<I>(handlers: {
  chat: LiveChatHandler<I>;
  giveUp?: LiveChatHandler<I>;
}): restate.VirtualObjectDefinition<string, Record<string, unknown>>[] {
  const object = (name: string, chat: LiveChatHandler<I>, options: restate.ObjectOptions) =>
    restate.object({ name, handlers: { chat }, options }) as restate.VirtualObjectDefinition<
      string,
      Record<string, unknown>
    >;
  return [
    object(LIVE_OBJECTS.chat, handlers.chat, { retryPolicy }),
    object(LIVE_OBJECTS.replay, handlers.chat, { retryPolicy, inactivityTimeout: 0 }),
    ...(handlers.giveUp ? [object(LIVE_OBJECTS.giveUp, handlers.giveUp, { retryPolicy })] : []),
  ];
}

/** A UI-message-stream chunk as the stream log keeps it (`{ type: 'text-delta', id, delta }`, …). */
export interface LiveChunk {
  type: string;
  [field: string]: unknown;
}

/** A chunk and its offset in the stream log (what a reader resumes from). */
export interface LiveFrame {
  offset: number;
  chunk: LiveChunk;
}

/** Where a read of the log starts: an offset, or a turn's start (the agent invocation's id). */
export interface LiveReadRequest {
  from?: number;
  turn?: string;
  timeoutMs?: number;
}

/** What the kit needs of a stream log client (core's `streamClient(...)` is one). */
export interface LiveLogClient {
  frames(
    streamId: string,
    request?: LiveReadRequest,
    options?: { signal?: AbortSignal },
  ): AsyncIterable<LiveFrame>;
}

/** Options of {@link startLiveHarness}; `L` is the log client's type (core's `StreamClient`). */
export interface StartLiveHarnessOptions<L extends LiveLogClient = LiveLogClient> {
  /** The agent's service module (served on `process.env.PORT`, see {@link liveChatObjects}). */
  serviceEntry: string;
  /** The stream log object to serve in the test process: core's `agentStreamObject()`. */
  streamObject: LiveStreamObject;
  /** A client factory of the log: core's `streamClient`. */
  streamClient: (options: { ingressUrl: string }) => L;
  /** Extra environment of the service process. */
  env?: Record<string, string>;
  /**
   * Options of the restate-server; `fastRetries` is on unless set to `false` here (the live objects bring their
   * own quick retry policy; other services of a test that kills the service get one too).
   */
  restate?: StartRestateOptions;
}

/** A service definition to serve in the test process (what `restate.serve` takes). */
export type LiveStreamObject = Extract<RegisterTarget, { services: unknown }>['services'][number];

/** The running parts of live tests; `log` is what the options' `streamClient` made. */
export interface LiveHarness<L extends LiveLogClient = LiveLogClient> {
  restate: RestateEnvironment;
  model: MockModelServer;
  service: ServiceProcess;
  /** Between Restate and the service (the deployment is registered through it). */
  proxy: PartitionProxy;
  /** The stream log, read over Restate's ingress. */
  log: L;
  /** The tails of the service output and the server log, for a failure report. */
  diagnostics(): string;
  stop(): Promise<void>;
}

/**
 * Starts restate-server, the scripted model server, the stream log (in this process) and the agent's service
 * (a child process, registered through a partition proxy).
 */
export async function startLiveHarness<L extends LiveLogClient = LiveLogClient>(
  options: StartLiveHarnessOptions<L>,
): Promise<LiveHarness<L>> {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    const server = await startRestate({ fastRetries: true, ...options.restate });
    stops.push(() => server.stop());
    const model = await startMockModel();
    stops.push(() => model.close());
    await server.register({ services: [options.streamObject] });
    const service = await startServiceProcess({
      entry: options.serviceEntry,
      // Every kill scenario restarts the service: the next process is loaded while this one serves.
      warmStandby: true,
      env: { ...modelServerEnv(model), [LIVE_ENV.ingressUrl]: server.ingressUrl, ...options.env },
    });
    stops.push(() => service.stop());
    const proxy = await startPartitionProxy(service.port);
    stops.push(() => proxy.close());
    await server.register({ url: proxy.url });
    return {
      restate: server,
      model,
      service,
      proxy,
      log: options.streamClient({ ingressUrl: server.ingressUrl }),
      diagnostics: () =>
        `--- service output ---\n${service.output().split('\n').slice(-60).join('\n')}\n` +
        `--- restate-server log ---\n${server.logs().split('\n').slice(-40).join('\n')}`,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** A turn's frames as read, and whether the turn ended (`false`: the reader stopped early). */
export interface LiveTurnRead {
  frames: LiveFrame[];
  done: boolean;
}

/**
 * Reads `source` to its end. `onFrame` runs after each frame (with all frames so far) and may stop the read
 * early by returning `false`.
 */
export async function readLiveTurn(
  source: AsyncIterable<LiveFrame>,
  onFrame?: (frame: LiveFrame, frames: LiveFrame[]) => unknown,
): Promise<LiveTurnRead> {
  const frames: LiveFrame[] = [];
  for await (const frame of source) {
    frames.push(frame);
    if ((await onFrame?.(frame, frames)) === false) return { frames, done: false };
  }
  return { frames, done: true };
}

/**
 * A turn as the stream log itself holds it, read straight from the log (a web handler may end a turn it sees
 * fail, which would hide an agent that did not): every reader by offset must find the turn's end there. Reads
 * for up to `timeoutMs` (default 10 s); a turn that never ends comes back without its end.
 *
 * @example
 * expect((await loggedTurn(harness.log, chatId, invocationId)).at(-1)?.chunk.type).toBe('error');
 */
export async function loggedTurn(
  log: LiveLogClient,
  chatId: string,
  invocationId: string,
  timeoutMs = 10_000,
): Promise<LiveFrame[]> {
  const frames: LiveFrame[] = [];
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    for await (const frame of log.frames(chatId, { turn: invocationId }, { signal })) {
      frames.push(frame);
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
  return frames;
}

/** A message as `useChat` shows it (the AI SDK's `UIMessage`, loosely typed). */
export interface LiveMessage {
  id: string;
  role: string;
  parts: Array<{ type: string; [field: string]: unknown }>;
}

type ChunksOrFrames = readonly LiveChunk[] | readonly LiveFrame[];

const chunksOf = (input: ChunksOrFrames): LiveChunk[] =>
  input.map((item) => ('chunk' in item && 'offset' in item ? (item as LiveFrame).chunk : item));

/**
 * Every state of the message a `useChat` client shows while reading `chunks`, in order, built by the AI SDK's
 * own `readUIMessageStream` (an `error` chunk ends nothing here: the states before it are kept).
 */
export async function liveMessageSnapshots(input: ChunksOrFrames): Promise<LiveMessage[]> {
  // Imported when used: `ai` is an optional peer, needed by live tests only.
  const { readUIMessageStream } = await import('ai');
  const chunks = chunksOf(input);
  type Chunk =
    Parameters<typeof readUIMessageStream>[0]['stream'] extends ReadableStream<infer C> ? C : never;
  const stream = new ReadableStream<Chunk>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk as Chunk);
      controller.close();
    },
  });
  const states: LiveMessage[] = [];
  for await (const message of readUIMessageStream({ stream, onError: () => undefined })) {
    states.push(structuredClone(message) as LiveMessage);
  }
  return states;
}

/** The message a `useChat` client ends with after reading `chunks`. */
export async function foldLiveMessage(input: ChunksOrFrames): Promise<LiveMessage | undefined> {
  return (await liveMessageSnapshots(input)).at(-1);
}

/** The non-empty text parts of a message, in order. */
export function messageTexts(message: LiveMessage | undefined): string[] {
  return (message?.parts ?? []).flatMap((part) =>
    part.type === 'text' && typeof part.text === 'string' && part.text.length > 0
      ? [part.text]
      : [],
  );
}

/** How many chunks of `type` there are. */
export function countChunks(input: ChunksOrFrames, type: string): number {
  return chunksOf(input).filter((chunk) => chunk.type === type).length;
}

/** All `text-delta`s joined: everything the client was shown as text, retracted or not. */
export function shownText(input: ChunksOrFrames): string {
  return chunksOf(input)
    .flatMap((chunk) => (chunk.type === 'text-delta' ? [String(chunk.delta ?? '')] : []))
    .join('');
}

/** The chunks from the last `reset-step` on (all of them when there is none), as JSON, to search for words. */
export function afterLastReset(input: ChunksOrFrames): string {
  const chunks = chunksOf(input);
  const at = chunks.findLastIndex((chunk) => chunk.type === 'reset-step');
  return JSON.stringify(chunks.slice(at + 1));
}

/**
 * The delivery promise, as a `useChat` client sees it: the final message's texts are `journaled` (the model
 * answers Restate journaled, empty ones left out); every state shown after the last `reset-step` is a prefix of
 * that answer (nothing shown twice, nothing taken back); and when the answer's words are all distinct, no state
 * ever shows a word twice. Throws an `AssertionError` naming the first state that breaks it.
 */
export async function assertShownOnce(
  input: ChunksOrFrames,
  journaled: readonly string[],
): Promise<void> {
  const chunks = chunksOf(input);
  const expected = journaled.filter((text) => text.length > 0);
  deepStrictEqual(
    messageTexts(await foldLiveMessage(chunks)),
    expected,
    'the final message is not the journaled answer',
  );
  const words = expected.join(' ').split(/\s+/).filter(Boolean);
  const distinct = new Set(words).size === words.length;
  const lastReset = chunks.findLastIndex((chunk) => chunk.type === 'reset-step');
  for (let end = 1; end <= chunks.length; end += 1) {
    const type = chunks[end - 1]?.type;
    if (type !== 'text-delta' && type !== 'reset-step') continue;
    const texts = messageTexts(await foldLiveMessage(chunks.slice(0, end)));
    if (distinct) {
      // Whole words only: a part still streaming may end in the first letters of its next word.
      const shown = texts.flatMap((text) => {
        const parts = text.split(/\s+/).filter(Boolean);
        return /\s$/.test(text) ? parts : parts.slice(0, -1);
      });
      const twice = shown.find((word, i) => shown.indexOf(word) !== i);
      if (twice !== undefined) {
        fail(`after chunk ${end - 1} the client shows "${twice}" twice: ${JSON.stringify(texts)}`);
      }
    }
    if (end - 1 <= lastReset) continue;
    const prefix = texts.every((text, i) =>
      i < texts.length - 1 ? text === expected[i] : (expected[i] ?? '').startsWith(text),
    );
    ok(
      prefix,
      `after chunk ${end - 1} the client shows ${JSON.stringify(texts)}, not a prefix of ${JSON.stringify(expected)}`,
    );
  }
}

/** A long reply whose words say which attempt wrote them: `alpha0 alpha1 …`, `bravo0 …`, then `try3_0 …`. */
export function liveReply(attempt: number, words = 24): string {
  const tag = attempt === 1 ? 'alpha' : attempt === 2 ? 'bravo' : `try${attempt}_`;
  return Array.from({ length: words }, (_, i) => `${tag}${i}`).join(' ');
}

/**
 * SIGKILLs the service now and starts it again in the background (a reader keeps reading meanwhile); await
 * `restarted` before the test ends.
 */
export async function killAndRestart(
  service: ServiceProcess,
): Promise<{ restarted: Promise<void> }> {
  await service.kill();
  const restarted = service.restart();
  // Awaited by the caller; this only keeps a failed restart from being an unhandled rejection meanwhile.
  restarted.catch(() => undefined);
  return { restarted };
}

/** SIGSTOPs the service process; `resume()` SIGCONTs it (idempotent). */
export function pauseProcess(service: ServiceProcess): { resume(): void } {
  const pid = service.pid;
  if (pid === undefined || !service.running)
    throw new Error('pauseProcess: the service is not running');
  process.kill(pid, 'SIGSTOP');
  let paused = true;
  return {
    resume() {
      if (!paused) return;
      paused = false;
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // Already gone (killed meanwhile): nothing to resume.
      }
    },
  };
}
