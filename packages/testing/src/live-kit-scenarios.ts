/**
 * The live streaming crash scenarios every adapter with a `live` option runs through its own agent service
 * (the vitest face of the live kit, like `describeConformance` for the conformance suite). One restate-server
 * per test file: always-replay runs against the same server through `LiveReplayChat`, whose inactivity timeout
 * is 0.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  afterLastReset,
  assertShownOnce,
  countChunks,
  foldLiveMessage,
  killAndRestart,
  LIVE_HANDLER,
  LIVE_OBJECTS,
  LIVE_TOOL,
  type LiveFrame,
  type LiveHarness,
  type LiveLogClient,
  type LiveStreamObject,
  liveReply,
  loggedTurn,
  messageTexts,
  pauseProcess,
  readLiveTurn,
  type StartLiveHarnessOptions,
  shownText,
  startLiveHarness,
} from './live-kit.js';

/** The scenarios of {@link liveScenarios}. */
export type LiveScenarioName =
  | 'kill-mid-stream'
  | 'kill-after-step'
  | 'tool-run'
  | 'zombie'
  | 'reconnect'
  | 'fail-for-good'
  | 'give-up';

/** A mode of the scenarios: always-replay ones use {@link LIVE_OBJECTS}`.replay`. */
export type LiveMode = 'normal' | 'always-replay';

/** What `startTurn` gets. */
export interface LiveTurnStart {
  harness: LiveHarness;
  /** The object to call ({@link LIVE_OBJECTS}); its key is `chatId`. */
  object: string;
  chatId: string;
  prompt: string;
}

/** A started turn: its invocation id and, if the adapter reads it its own way (e.g. its SSE handler), its frames. */
export interface LiveTurnStarted {
  invocationId: string;
  frames?: AsyncIterable<LiveFrame>;
}

/** An adapter's live service, for {@link liveScenarios}. */
export interface LiveAdapter {
  /** The adapter's name (in failure reports). */
  name: string;
  /** The service module: serves {@link LIVE_OBJECTS} (see `liveChatObjects`). */
  serviceEntry: string;
  /** Core's `agentStreamObject()`. */
  streamObject: LiveStreamObject;
  /** Core's `streamClient`. */
  streamClient: (options: { ingressUrl: string }) => LiveLogClient;
  /** Extra environment of the service process. */
  env?: Record<string, string>;
  /** Starts a turn; default: `send` the prompt to `object/chatId/chat` and read the turn from the log. */
  startTurn?: (turn: LiveTurnStart) => Promise<LiveTurnStarted>;
  /** Reads a turn on from offset `from` (a reconnect); default: the log from that offset. */
  resume?: (
    harness: LiveHarness,
    chatId: string,
    from: number,
    invocationId: string,
  ) => AsyncIterable<LiveFrame>;
  /** The journaled model answers from the handler's output; default: the output as `string[]` (or `[string]`). */
  journaledAnswer?: (output: unknown) => string[];
  /** Whether the folded message has a `tool-lookup` part for the tool call (default true). */
  toolParts?: boolean;
  /** Scenarios not run, with the reason. */
  skip?: Partial<Record<LiveScenarioName, string>>;
  /**
   * Scenarios that fail today because of a known bug of the adapter, with the bug: registered with `it.fails`,
   * so they run, and the suite turns red once the bug is fixed (then remove the entry).
   */
  knownFailures?: Partial<Record<LiveScenarioName, string>>;
  /** Run only these scenarios (while developing). */
  only?: readonly LiveScenarioName[];
  /** Default both. */
  modes?: readonly LiveMode[];
}

interface Scenario {
  name: LiveScenarioName;
  title: string;
  modes: readonly LiveMode[];
  /**
   * Kills, pauses or cuts off the shared service process: runs alone. The others leave it alone and run side by
   * side, each on chats of its own, after the exclusive ones.
   */
  exclusive?: boolean;
  run(s: ScenarioRun): Promise<void>;
}

interface ScenarioRun {
  h: LiveHarness;
  adapter: LiveAdapter;
  mode: LiveMode;
  chatId: string;
  /** Starts a turn of this scenario's chat and reads it to its end (`onFrame` may stop early with `false`). */
  turn(
    prompt: string,
    options?: {
      object?: string;
      /** Another chat than the scenario's own. */
      chatId?: string;
      onFrame?: (frame: LiveFrame, frames: LiveFrame[]) => unknown;
    },
  ): Promise<{ invocationId: string; frames: LiveFrame[]; done: boolean }>;
  journaled(invocationId: string): Promise<string[]>;
}

const deltas = (frames: readonly LiveFrame[]): number => countChunks(frames, 'text-delta');

/**
 * Runs `read`, failing at once if a restart handed to `restarted` fails (the turn would never end without its
 * service, and the test would only time out).
 */
async function untilRestartFails<T>(
  read: (restarted: (restart: Promise<void>) => Promise<void>) => Promise<T>,
): Promise<T> {
  let fail: (error: unknown) => void = () => undefined;
  const failed = new Promise<never>((_resolve, reject) => {
    fail = reject;
  });
  return Promise.race([
    read((restart) => {
      restart.catch(fail);
      return restart;
    }),
    failed,
  ]);
}

/** The scripted answers of a step that asks for the tool, and of the step after it. */
const toolConversation = [
  {
    text: 'Let me look that up.',
    toolCalls: [{ name: LIVE_TOOL.name, arguments: { text: 'o7' } }],
    chunkDelayMs: 10,
  },
  { text: 'It is found: o7.', chunkDelayMs: 10 },
];

/**
 * A turn of {@link toolConversation} as the client must see it: the two answers, no `reset-step`, every delta
 * once, two steps, the turn finished, and (if the adapter shows tools) the tool call with its result.
 */
async function expectToolTurn(
  adapter: LiveAdapter,
  { frames, done }: { frames: LiveFrame[]; done: boolean },
  answer: string[],
): Promise<void> {
  expect(done).toBe(true);
  expect(answer).toEqual(['Let me look that up.', 'It is found: o7.']);
  expect(countChunks(frames, 'reset-step')).toBe(0);
  expect(shownText(frames)).toBe(answer.join(''));
  await assertShownOnce(frames, answer);
  expect(countChunks(frames, 'start-step')).toBe(2);
  expect(countChunks(frames, 'finish-step')).toBe(2);
  expect(frames.at(-1)?.chunk.type).toBe('finish');
  if (adapter.toolParts !== false) {
    const message = await foldLiveMessage(frames);
    expect(message?.parts.filter((part) => part.type === `tool-${LIVE_TOOL.name}`)).toMatchObject([
      { state: 'output-available', input: { text: 'o7' }, output: 'found o7' },
    ]);
  }
}

const scenarios: readonly Scenario[] = [
  {
    name: 'kill-mid-stream',
    title:
      'SIGKILL mid-stream, a normal and an always-replay turn at once → each shows one reset-step, nothing of the killed attempt after it, and ends with the journaled answer',
    // Both modes in one test: one kill and one restart (the costly part) serve both turns.
    modes: ['normal'],
    exclusive: true,
    async run({ h, chatId, turn, journaled }) {
      const turns = [
        { chatId, object: LIVE_OBJECTS.chat },
        { chatId: `${chatId}-replay`, object: LIVE_OBJECTS.replay },
      ];
      // The scripted model streams an answer in at most 16 pieces: attempt 1 takes 3.2 s, so the kill lands
      // mid-stream of both turns even on a busy machine; the retry is quick.
      for (const { chatId: id } of turns) {
        h.model.conversation(id, (request) =>
          request.attempt === 1
            ? { text: liveReply(1), chunkDelayMs: 200 }
            : { text: liveReply(request.attempt), chunkDelayMs: 10 },
        );
      }
      const shown = turns.map(() => 0);
      let killed = false;
      let restart: Promise<void> | undefined;
      const reads = await untilRestartFails((restarted) =>
        Promise.all(
          turns.map(({ chatId: id, object }, i) =>
            turn('hello', {
              chatId: id,
              object,
              onFrame: async (_frame, all) => {
                shown[i] = deltas(all);
                // Once every turn has shown some of attempt 1.
                if (killed || !shown.every((count) => count >= 2)) return;
                // Set before the await: the other turn's reader must not kill a second time meanwhile.
                killed = true;
                restart = restarted((await killAndRestart(h.service)).restarted);
              },
            }),
          ),
        ),
      );
      await restart;
      expect(restart, 'the service was killed mid-stream').toBeDefined();
      for (const [i, { invocationId, frames, done }] of reads.entries()) {
        const id = turns[i]?.chatId ?? '';
        expect(done, id).toBe(true);
        const answer = await journaled(invocationId);
        expect(answer, id).toEqual([liveReply(2)]);
        expect(countChunks(frames, 'reset-step'), id).toBe(1);
        const at = frames.findIndex((frame) => frame.chunk.type === 'reset-step');
        expect(JSON.stringify(frames.slice(0, at)), id).toContain('alpha0');
        expect(afterLastReset(frames), id).not.toContain('alpha');
        await assertShownOnce(frames, answer);
        expect(frames.at(-1)?.chunk.type, id).toBe('finish');
        // The killed step was served twice, nothing else.
        expect(
          h.model.requestsFor(id).map((request) => request.attempt),
          id,
        ).toEqual([1, 2]);
      }
    },
  },
  {
    name: 'kill-after-step',
    title:
      'a kill right after the step (in the tool it asked for) → no reset-step, every delta shown once',
    modes: ['normal', 'always-replay'],
    exclusive: true,
    async run({ h, adapter, chatId, turn, journaled }) {
      h.model.conversation(chatId, toolConversation);
      await h.service.armCrash(LIVE_TOOL.crashPoint);
      const crashed = h.service.crashed();
      const reading = turn('look up o7');
      expect((await crashed).point).toBe(LIVE_TOOL.crashPoint);
      const restart = h.service.restart();
      const { invocationId, frames, done } = await untilRestartFails((restarted) => {
        void restarted(restart);
        return reading;
      });
      // The sealed preview of step 1 was not repeated by the replay after the crash.
      await expectToolTurn(adapter, { frames, done }, await journaled(invocationId));
      // Each model step was served once: the crash came after step 1 was journaled.
      expect(h.model.requestsFor(chatId).map((request) => request.attempt)).toEqual([1, 1]);
    },
  },
  {
    name: 'tool-run',
    title: 'a run with a tool, no crash → no reset-step, each delta once, two steps',
    modes: ['normal', 'always-replay'],
    async run({ h, adapter, chatId, turn, journaled }) {
      h.model.conversation(chatId, toolConversation);
      const { invocationId, frames, done } = await turn('look up o7');
      await expectToolTurn(adapter, { frames, done }, await journaled(invocationId));
    },
  },
  {
    name: 'zombie',
    title:
      'a SIGSTOPped attempt cut off from Restate wakes after the retry started and streams on: none of its chunks after the retry began reach the client',
    modes: ['normal'],
    exclusive: true,
    async run({ h, chatId, turn, journaled }) {
      // The scripted model streams an answer in at most 16 pieces. Attempt 1 (the zombie) takes 6 s and is never
      // told it was given up on, so it streams on through the whole of the retry's 2 s preview: the log must
      // fence it off, not just outlast it.
      h.model.conversation(chatId, (request) =>
        request.attempt === 1
          ? { text: liveReply(1), chunkDelayMs: 300 }
          : { text: liveReply(2), chunkDelayMs: 100 },
      );
      let paused: { resume(): void } | undefined;
      try {
        const { invocationId, frames, done } = await turn('hi', {
          onFrame: async (_frame, all) => {
            if (paused !== undefined || deltas(all) < 2) return;
            paused = pauseProcess(h.service);
            // Restate loses its connections; the paused attempt's own side stays open (it never hears of it).
            const seen = h.proxy.connections;
            h.proxy.partition();
            // The retry reached the (still paused) service: now the zombie wakes beside it.
            await h.proxy.waitForConnections(seen);
            paused.resume();
          },
        });
        expect(paused, 'the service was paused mid-stream').toBeDefined();
        expect(done).toBe(true);
        const answer = await journaled(invocationId);
        expect(answer).toEqual([liveReply(2)]);
        // The zombie was still streaming when the turn ended: its preview chunks did go to the log.
        expect(h.model.requestsFor(chatId)[0]?.clientClosedAt).toBeUndefined();
        expect(h.model.requestsFor(chatId).map((request) => request.attempt)).toEqual([1, 2]);
        expect(countChunks(frames, 'reset-step')).toBe(1);
        expect(afterLastReset(frames)).not.toContain('alpha');
        await assertShownOnce(frames, answer);
      } finally {
        paused?.resume();
        // The zombie's connection ends; its handler stops.
        h.proxy.heal();
      }
    },
  },
  {
    name: 'reconnect',
    title: 'reconnect by offset mid-stream, twice → no gap, no duplicate',
    modes: ['normal'],
    async run({ h, adapter, chatId, turn, journaled }) {
      // 16 pieces, 60 ms apart: the turn is still streaming while the reader reconnects.
      h.model.conversation(chatId, [{ text: liveReply(1), chunkDelayMs: 60 }]);
      const stopAfter4 = (_frame: LiveFrame, all: LiveFrame[]) =>
        deltas(all) >= 4 ? false : undefined;
      const first = await turn('hi', { onFrame: stopAfter4 });
      expect(first.done).toBe(false);
      const resume = (from: number): AsyncIterable<LiveFrame> =>
        adapter.resume
          ? adapter.resume(h, chatId, from, first.invocationId)
          : h.log.frames(chatId, { from, turn: first.invocationId });
      const second = await readLiveTurn(
        resume((first.frames.at(-1)?.offset ?? -1) + 1),
        stopAfter4,
      );
      const third = await readLiveTurn(resume((second.frames.at(-1)?.offset ?? -1) + 1));
      expect(third.done).toBe(true);
      const joined = [...first.frames, ...second.frames, ...third.frames];
      const whole = await readLiveTurn(h.log.frames(chatId, { turn: first.invocationId }));
      expect(joined.map((frame) => frame.offset)).toEqual(
        whole.frames.map((frame) => frame.offset),
      );
      expect(joined.map((frame) => frame.chunk)).toEqual(whole.frames.map((frame) => frame.chunk));
      const answer = await journaled(first.invocationId);
      expect(answer).toEqual([liveReply(1)]);
      await assertShownOnce(joined, answer);
    },
  },
  {
    name: 'fail-for-good',
    title:
      'a run that fails for good (a TerminalError in the tool) ends the turn with an error frame',
    modes: ['normal', 'always-replay'],
    async run({ h, chatId, turn }) {
      h.model.conversation(chatId, [
        { text: 'Looking.', toolCalls: [{ name: LIVE_TOOL.name, arguments: { text: 'boom' } }] },
      ]);
      const { invocationId, frames, done } = await turn('look up boom');
      expect(done).toBe(true);
      await expect(h.restate.attach(invocationId)).rejects.toThrow(LIVE_TOOL.failure);
      expect(frames.at(-1)?.chunk).toMatchObject({
        type: 'error',
        errorText: expect.stringContaining(LIVE_TOOL.failure),
      });
      expect(messageTexts(await foldLiveMessage(frames))).toEqual(['Looking.']);
      expect((await loggedTurn(h.log, chatId, invocationId)).at(-1)?.chunk.type).toBe('error');
    },
  },
  {
    name: 'give-up',
    title: 'a model step that gives up at its retry cap retracts the text its preview showed',
    modes: ['normal'],
    async run({ h, chatId, turn }) {
      // The only attempt streams part of its answer, then the connection breaks: the step gives up.
      h.model.conversation(chatId, () => ({
        text: liveReply(1, 40),
        chunkDelayMs: 10,
        faults: [{ kind: 'reset' }],
      }));
      const { invocationId, frames, done } = await turn('hi', { object: LIVE_OBJECTS.giveUp });
      expect(done).toBe(true);
      await expect(h.restate.attach(invocationId)).rejects.toThrow();
      expect(deltas(frames)).toBeGreaterThan(0);
      expect(countChunks(frames, 'reset-step')).toBe(1);
      expect(afterLastReset(frames)).not.toContain('alpha');
      expect(frames.at(-1)?.chunk.type).toBe('error');
      expect(messageTexts(await foldLiveMessage(frames))).toEqual([]);
      expect(h.model.requestsFor(chatId)).toHaveLength(1);
      expect((await loggedTurn(h.log, chatId, invocationId)).at(-1)?.chunk.type).toBe('error');
    },
  },
];

/**
 * The names of the live scenarios, in the order they are listed (the ones that kill or pause the service run
 * first, one at a time; the others then run side by side).
 */
export const liveScenarioNames: readonly LiveScenarioName[] = scenarios.map(
  (scenario) => scenario.name,
);

function defaultJournaled(output: unknown): string[] {
  if (typeof output === 'string') return output.length > 0 ? [output] : [];
  if (Array.isArray(output) && output.every((text) => typeof text === 'string')) {
    return output.filter((text) => text.length > 0);
  }
  throw new TypeError(
    `live scenarios: the handler's output should be the journaled texts (string[]); got ${JSON.stringify(output)}. Pass journaledAnswer to read it.`,
  );
}

/**
 * Registers the live scenarios for `adapter` with vitest (test names start with `live`), sharing one harness
 * ({@link startLiveHarness}) started in `beforeAll`. Returns a handle forwarding to that harness, for the
 * file's own extra tests.
 *
 * @example
 * // packages/<adapter>/test/live.test.ts
 * liveScenarios({ name: 'my-sdk', serviceEntry, streamObject: agentStreamObject(), streamClient });
 */
export function liveScenarios(adapter: LiveAdapter): LiveHarness {
  const modes = adapter.modes ?? ['normal', 'always-replay'];
  let harness: LiveHarness | undefined;
  beforeAll(async () => {
    const options: StartLiveHarnessOptions = {
      serviceEntry: adapter.serviceEntry,
      streamObject: adapter.streamObject,
      streamClient: adapter.streamClient,
      ...(adapter.env && { env: adapter.env }),
    };
    harness = await startLiveHarness(options);
  }, 120_000);
  afterAll(async () => {
    await harness?.stop();
  }, 60_000);
  const journaledAnswer = adapter.journaledAnswer ?? defaultJournaled;
  // A scenario finding the service down (one before it failed mid-kill) restarts it; side-by-side scenarios
  // share that one restart.
  let restarting: Promise<void> | undefined;
  const ensureRunning = async (h: LiveHarness): Promise<void> => {
    if (h.service.running) return;
    restarting ??= h.service.restart().finally(() => {
      restarting = undefined;
    });
    await restarting;
  };
  // Two passes: the scenarios that kill, pause or cut off the shared service, one at a time; then the others,
  // which leave it alone, side by side (each on chats of its own).
  const passes = [true, false].flatMap((exclusive) =>
    modes.flatMap((mode) =>
      scenarios
        .filter((scenario) => (scenario.exclusive === true) === exclusive)
        .map((scenario) => ({ mode, scenario })),
    ),
  );
  for (const { mode, scenario } of passes) {
    if (!scenario.modes.includes(mode)) continue;
    if (adapter.only && !adapter.only.includes(scenario.name)) continue;
    const label = `live${mode === 'always-replay' ? ' (always-replay)' : ''}: ${scenario.name}: ${scenario.title}`;
    const reason = adapter.skip?.[scenario.name];
    if (reason !== undefined) {
      it.skip(`${label} (skipped: ${reason})`, () => undefined);
      continue;
    }
    const knownBug = adapter.knownFailures?.[scenario.name];
    const base = scenario.exclusive ? it : it.concurrent;
    const register = knownBug === undefined ? base : base.fails;
    register(
      knownBug === undefined ? label : `${label} (known bug: ${knownBug})`,
      async ({ onTestFailed }) => {
        if (!harness) throw new Error('the live harness did not start');
        const h = harness;
        onTestFailed(() => {
          if (knownBug !== undefined) return;
          // biome-ignore lint/suspicious/noConsole: the failure report is for the person reading the test run.
          console.error(
            `[${adapter.name} live ${mode}] ${scenario.name} failed\n${h.diagnostics()}`,
          );
        });
        await ensureRunning(h);
        const chatId = `live-${scenario.name}${mode === 'always-replay' ? '-replay' : ''}`;
        const defaultObject = mode === 'always-replay' ? LIVE_OBJECTS.replay : LIVE_OBJECTS.chat;
        await scenario.run({
          h,
          adapter,
          mode,
          chatId,
          async turn(prompt, options = {}) {
            const object = options.object ?? defaultObject;
            const id = options.chatId ?? chatId;
            const started: LiveTurnStarted = adapter.startTurn
              ? await adapter.startTurn({ harness: h, object, chatId: id, prompt })
              : await h.restate.send({ service: object, key: id, handler: LIVE_HANDLER }, prompt);
            const source = started.frames ?? h.log.frames(id, { turn: started.invocationId });
            const read = await readLiveTurn(source, options.onFrame);
            return { invocationId: started.invocationId, ...read };
          },
          async journaled(invocationId) {
            return journaledAnswer(await h.restate.attach(invocationId));
          },
        });
      },
    );
  }
  return new Proxy({} as LiveHarness, {
    get(_target, property) {
      if (!harness)
        throw new Error('liveScenarios(): not started yet; use the handle inside tests');
      return Reflect.get(harness, property);
    },
  });
}
