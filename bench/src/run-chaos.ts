/**
 * The chaos run: for one adapter's conformance service, many concurrent agent invocations while the
 * service process is SIGKILLed at random moments and restarted, with faults from the scripted model mixed
 * in (429 + retry-after, 500, 503, hangs, connection resets). The ledger (outside the service) counts every
 * side effect, the model server every request, and the journal says when each step was stored, which is
 * what tells a legal re-run (the process died inside a step, before its result was journaled: Restate's
 * at-least-once for the step in flight) from a duplicate (a step re-ran after its result was journaled).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { agentStreamObject, streamClient } from '@restate-agents/core';
import {
  CONFORMANCE_ENV,
  CONFORMANCE_HANDLER,
  CONFORMANCE_OBJECT,
  type MockFault,
  type MockReply,
  type RestateCluster,
  type RestateEnvironment,
  type RestateNode,
  type ServiceProcess,
  startLedger,
  startMockModel,
  startRestate,
  startServiceProcess,
} from '@restate-agents/testing';
import {
  assessInvocation,
  attributeReruns,
  type Disruption,
  type InvocationReport,
  journaledSteps,
  type ModelTurnReport,
  type RerunAttribution,
  type SideEffectReport,
} from './chaos-assess.ts';
import { readTurn, type TurnDelivery } from './chaos-delivery.ts';

export interface ChaosAdapter {
  id: string;
  /** The adapter's conformance service (a `record` side-effect tool, scripted model and ledger by env). */
  entry: string;
  env?: Record<string, string>;
  /** Journal step names of a model call and of the `record` side effect. */
  modelStep: RegExp;
  recordStep: RegExp;
  /** Package slug whose dist must be built. */
  slug: string;
  /**
   * The adapter has `live`: with {@link ChaosOptions.live} its agent is the one of chaos-live-service.ts
   * (the same contract and step names, streaming every model step to the stream log) and clients read
   * each turn while the service is killed. Adding an adapter there is one entry in its `AGENTS` and this flag.
   */
  live?: boolean;
}

/** The streaming agents of every adapter with `live` (one process per run, chosen by env). */
const LIVE_ENTRY = fileURLToPath(new URL('./chaos-live-service.ts', import.meta.url));

const packages = fileURLToPath(new URL('../../packages/', import.meta.url));

export const CHAOS_ADAPTERS: readonly ChaosAdapter[] = [
  {
    id: 'core',
    slug: 'core',
    entry: `${packages}core/test/plain-openai-service.ts`,
    modelStep: /^openai:(chat|model:\d+)$/,
    recordStep: /^(tool:record|openai:tool:record:.+)$/,
  },
  {
    id: 'ai-sdk',
    live: true,
    slug: 'ai-sdk',
    entry: `${packages}ai-sdk/test/conformance-service.ts`,
    env: { AI_SDK_API: 'generateText' },
    modelStep: /^ai-sdk:(generate|stream|model):/,
    recordStep: /^ai-sdk:tool:record(:.+)?$/,
  },
  {
    id: 'openai-agents',
    live: true,
    slug: 'openai-agents',
    entry: `${packages}openai-agents/test/conformance-service.ts`,
    env: { OPENAI_AGENTS_API: 'chat' },
    modelStep: /^openai-agents:model(:\d+)?$/,
    recordStep: /^(record|openai-agents:tool:record(:.+)?)$/,
  },
  {
    id: 'langchain',
    live: true,
    slug: 'langchain',
    entry: `${packages}langchain/test/agent-service.ts`,
    modelStep: /^langchain:model(:\d+)?$/,
    recordStep: /^(record|langchain:tool:record(:.+)?)$/,
  },
  {
    id: 'langgraph',
    live: true,
    slug: 'langgraph',
    entry: `${packages}langgraph/test/conformance-service.ts`,
    // Its agent node calls the model through durableChatModel from @restate-agents/langchain.
    modelStep: /^(langchain|langgraph):model(:\d+)?$/,
    recordStep: /^(tool:record|langgraph:tool:record:.+)$/,
  },
  {
    id: 'mastra',
    live: true,
    slug: 'mastra',
    entry: `${packages}mastra/test/conformance-service.ts`,
    env: { MASTRA_API: 'generate', MASTRA_TELEMETRY_DISABLED: '1' },
    // Its model is @restate-agents/ai-sdk's durableModel, its steps renamed for Mastra.
    modelStep: /^mastra:model:\d+$/,
    recordStep: /^mastra:tool:record:.+$/,
  },
  {
    id: 'google-adk',
    live: true,
    slug: 'google-adk',
    entry: `${packages}google-adk/test/conformance-service.ts`,
    env: { ADK_LOG_LEVEL: 'warn' },
    modelStep: /^google-adk:model:\d+$/,
    recordStep: /^google-adk:tool:record:.+$/,
  },
];

export function availableChaosAdapters(): ChaosAdapter[] {
  return CHAOS_ADAPTERS.filter(
    (adapter) =>
      existsSync(`${packages}${adapter.slug}/dist/index.js`) && existsSync(adapter.entry),
  );
}

export interface ChaosOptions {
  kills: number;
  /** Invocations in flight at once. */
  concurrency: number;
  /** Tool-calling turns per invocation (plus the final answer). */
  turns: number;
  /** Random pause between a restart and the next kill. */
  killEveryMs: [number, number];
  seed: number;
  /** How long invocations may take to finish after the last kill; default {@link SETTLE_MS}. */
  settleMs?: number;
  /**
   * Run on a restate-server cluster of this many nodes (3 for the cluster run) and SIGKILL its nodes too:
   * `serverKills` times, every other time the partition's leader, each node restarted after
   * `nodeDownMs` and the cluster whole again before the next node kill.
   */
  cluster?: number;
  /** Server node kills on a cluster; default `max(2, round(kills / 5))`. */
  serverKills?: number;
  /** Random pause between the cluster being whole again and the next node kill; default 2–5 s. */
  serverKillEveryMs?: [number, number];
  /** How long a killed node stays down; default 0.5–2 s. */
  nodeDownMs?: [number, number];
  /**
   * Stream: adapters with `live` run their streaming agent, and a client reads every turn from the stream
   * log while the service is killed (words shown twice, answers missing, retractions). Default false.
   */
  live?: boolean;
  /** Streaming runs: ms between two streamed pieces of a model answer (default 25). */
  chunkDelayMs?: number;
  /**
   * Keep the next service process loaded beside the running one (`startServiceProcess({ warmStandby })`), so
   * a restart after a kill costs the bind rather than loading the SDK again, and retry a failed attempt
   * after 50 ms rather than 500 ms (the back-off still doubles up to 1 s). The short run in `pnpm test`
   * uses it: the same kills at the same random moments, less time waiting for the service to come back.
   * Default false (`pnpm chaos` measures with a cold restart).
   */
  warmStandby?: boolean;
  log?: (line: string) => void;
}

/** A row of `sys_journal_events`. */
interface EventRow {
  after_journal_entry_index?: number;
  event_type: string;
  appended_at?: string;
  event_json?: string;
}

/** The error message of a `TransientError` or `Paused` event, else its JSON. */
function eventDetail(json: string | undefined): string {
  try {
    const event = JSON.parse(json ?? '{}') as {
      error_message?: string;
      error_code?: number;
      restate_doc_error_code?: string;
      last_failure?: {
        error_message?: string;
        error_code?: number;
        restate_doc_error_code?: string;
      };
    };
    const failure = event.last_failure ?? event;
    if (failure.error_message !== undefined) {
      // The doc code tells an attempt the invoker gave up on (RT0001) from one the service failed (RT0007).
      const code = [failure.error_code ?? '?', failure.restate_doc_error_code]
        .filter(Boolean)
        .join(' ');
      return `[${code}] ${failure.error_message.split('\n')[0]}`.slice(0, 300);
    }
  } catch {
    // Not JSON: shown as it is.
  }
  return (json ?? '').slice(0, 300);
}

/** Default time an invocation may take to finish after the last kill. */
export const SETTLE_MS = 120_000;

export interface ChaosResult {
  adapter: string;
  kills: number;
  invocationsStarted: number;
  invocationsCompleted: number;
  /**
   * Invocations that ended with the step retry cap exhausted. Restate counts an attempt ended by a crash
   * as a step attempt, so kills landing on a step that the model is also failing can use up its 3 attempts:
   * the invocation then fails cleanly with a TerminalError naming the step. Not a loss: nothing after the
   * failed step ran, and everything before it ran exactly once.
   */
  invocationsGaveUp: number;
  /** Invocations that failed with an error that does not say why they stopped: must be 0. */
  invocationsFailed: number;
  /** Invocations without a result at the end (running, backing off, suspended or paused): must be 0. */
  invocationsUnfinished: number;
  /** Of all invocations, those the server left `paused` (waiting for a human to resume them): must be 0. */
  invocationsPaused: number;
  /** One line per failed or unfinished invocation. */
  failures: string[];
  sideEffectsExpected: number;
  /** A side effect run again after its step had been journaled: must be 0. */
  sideEffectsDuplicated: number;
  /** A side effect of a completed invocation that never reached the ledger: must be 0. */
  sideEffectsLost: number;
  /** The process died inside the step, after the side effect and before its result was journaled. */
  sideEffectsRerunBeforeJournaled: number;
  modelRequestsAnswered: number;
  /** A model request answered again after that turn's answer was journaled: must be 0. */
  modelRequestsRepeated: number;
  /** Answered again because the process died before the answer was journaled. */
  modelRequestsRetriedBeforeJournaled: number;
  faultsInjected: number;
  journalMismatches: number;
  /**
   * The largest gap by which the one execution that produced a journaled result was stamped after its
   * journal entry: clock skew between the server and this process, absorbed by the bookkeeping.
   */
  clockInversionMaxMs: number;
  /**
   * Side effects and answered model turns of completed invocations whose journal entry the step patterns
   * did not find: must be 0, or the checks above compared against nothing (a step was renamed).
   */
  stepsUnmatched: number;
  /**
   * What ended the attempt before each in-flight re-run (a step run again before its result was journaled;
   * chaos-assess.ts `attributeReruns`): a service kill, a server event (cluster runs), a failed attempt the
   * server recorded (`attemptEnd`; `attemptTimeout` of them the invoker's inactivity + abort timeouts, RT0001),
   * or nothing (`withinAttempt`: the step ran twice in one attempt).
   */
  rerunCauses: {
    serviceKill: number;
    serverEvent: number;
    attemptEnd: number;
    attemptTimeout: number;
    withinAttempt: number;
  };
  durationMs: number;
  /** Cluster runs only: what happened to the server nodes and what it cost. */
  cluster?: ClusterChaosResult;
  /** Streaming runs only: what the clients reading the turns saw. */
  delivery?: DeliveryResult;
  /** Per invocation: outcome, server status, every side effect and model turn with its journal entry. */
  invocations: InvocationReport[];
}

/** What the clients of a streaming chaos run saw, one client per turn (chaos-delivery.ts). */
export interface DeliveryResult {
  /** Turns a client read. */
  turnsRead: number;
  /** Words a client's message showed beyond a prefix of the journaled answer, summed over turns: must be 0. */
  wordsShownTwice: number;
  /** Completed turns whose client's final message is not the journaled answer: must be 0. */
  answersMissing: number;
  /** `reset-step` chunks read: previews of attempts that were not the journaled one, retracted. */
  retractions: number;
  /** Turns with at least one retraction. */
  turnsRetracted: number;
  /** Reads that failed (a server node down) and resumed from the next offset. */
  reconnects: number;
  /** Up to 10 turns that went wrong: session, what was shown, why. */
  failures: Array<{ session: string; final: string; wordsShownTwice: number; error?: string }>;
}

/** The server side of a cluster chaos run. */
export interface ClusterChaosResult {
  nodes: number;
  /** Server nodes SIGKILLed (and restarted). */
  serverKills: number;
  /** Of them, kills of the node leading the partition. */
  leaderKills: number;
  /** Times the partition's leader was seen to change (polled every 200 ms: quick double moves count once). */
  leadershipChanges: number;
  /** Per leader kill: ms from the kill until another node was seen leading. */
  failoverMs: number[];
  /** Steps run again before their result was journaled (side effects and answered model requests). */
  inFlightReruns: number;
  /** Of them, re-runs with no service kill in between: the step in flight at a server event. */
  inFlightRerunsAtServerEvents: number;
  /**
   * Re-runs with neither a service kill nor a server event near them, but a failed attempt between the two
   * runs (the server's `TransientError`): the attempt was retried, so the step in flight ran again — legal
   * (at-least-once for a step not yet journaled). Mostly the invoker giving up on an attempt that sent
   * nothing for the inactivity + abort timeouts (3 s + 3 s in chaos) on a machine starved of CPU.
   */
  inFlightRerunsAtAttemptEnds: number;
  /** Of them, attempts the invoker ended by its timeouts (RT0001). */
  inFlightRerunsAtTimeouts: number;
  /**
   * Re-runs with no service kill, no server event and no failed attempt between the two runs: the step ran
   * twice within one attempt. Reported with each invocation's evidence in the results file.
   */
  inFlightRerunsUnexplained: number;
  /**
   * Invocations with more server-caused re-runs than server events during them times the steps they can
   * have in flight at once: must be 0 (at most one re-run per step in flight per leadership change).
   */
  invocationsOverRerunBound: number;
  /** Sessions with an unexplained re-run: their reports are kept in the results file, with their events. */
  sessionsWithUnexplainedReruns: string[];
  /** Every service kill and server event of the run, in order (ISO time and kind). */
  disruptions: Array<{ at: string; kind: Disruption['kind'] }>;
}

/**
 * What is wrong with a chaos result, one line per broken promise; empty when the run is clean. Clean means
 * nothing duplicated, lost, asked of the model again or mismatched on replay, and every invocation either
 * completed or gave up with an error naming why: none failed otherwise, none left unfinished or paused.
 */
export function chaosVerdict(result: ChaosResult): string[] {
  const problems: Array<[number, string]> = [
    [result.sideEffectsDuplicated, 'side effects duplicated'],
    [result.sideEffectsLost, 'side effects lost'],
    [result.modelRequestsRepeated, 'model requests repeated'],
    [result.journalMismatches, 'journal mismatches'],
    [result.invocationsFailed, 'invocations failed without saying why'],
    [result.invocationsUnfinished, 'invocations unfinished'],
    [result.invocationsPaused, 'invocations paused'],
    [
      result.stepsUnmatched,
      'steps of completed invocations not found in the journal (update the step patterns)',
    ],
    [
      result.cluster?.invocationsOverRerunBound ?? 0,
      'invocations re-running more steps than leadership changes allow',
    ],
    [result.delivery?.wordsShownTwice ?? 0, 'words shown twice to a streaming client'],
    [result.delivery?.answersMissing ?? 0, "answers missing from a client's final message"],
  ];
  return problems.filter(([value]) => value !== 0).map(([value, what]) => `${value} ${what}`);
}

/** Tiny deterministic PRNG (mulberry32), so a run's script and kill pattern can be replayed by seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const FAULTS: MockFault[] = [
  { kind: 'status', status: 429, headers: { 'retry-after': '1' } },
  { kind: 'status', status: 500 },
  { kind: 'status', status: 503 },
  { kind: 'hang' },
  { kind: 'reset' },
];

interface Planned {
  session: string;
  script: MockReply[];
  /** The `record` ids asked for, by turn. */
  idsByTurn: string[][];
  final: string;
  /** Every model step's text of the turn, in order: what a streaming client's message must show. */
  answer: string;
}

/**
 * A streaming run's answers have text in every turn (the model says what it records, then calls the tool),
 * streamed in pieces `chunkDelayMs` apart, so kills land inside streams; `answer` is all of it, in order.
 */
function plan(
  adapter: string,
  index: number,
  turns: number,
  next: () => number,
  stream?: { chunkDelayMs: number },
): Planned {
  const session = `chaos-${adapter}-${index}`;
  const idsByTurn: string[][] = [];
  const script: MockReply[] = [];
  const texts: string[] = [];
  for (let turn = 0; turn < turns; turn++) {
    const calls = next() < 0.3 ? 2 : 1;
    const toolCalls = Array.from({ length: calls }, (_, position) => {
      const id = `${session}-t${turn}-${position}`;
      // The tool call id carries the side effect's id, so a step named after its call is matched exactly.
      return { name: 'record', arguments: { id }, id: `call_${id}` };
    });
    idsByTurn.push(toolCalls.map((call) => call.arguments.id));
    const fault = next() < 0.35 ? FAULTS[Math.floor(next() * FAULTS.length)] : undefined;
    const text =
      stream && `Turn ${turn} of ${session}: recording ${calls} items now, one step at a time. `;
    script.push({
      toolCalls,
      ...(stream && { text, chunkDelayMs: stream.chunkDelayMs }),
      ...(fault && { faults: [fault] }),
    });
    texts.push(text ?? '');
  }
  const final = stream
    ? `done ${session}: every item is recorded once, and this answer streamed live while the service was killed.`
    : `done ${session}`;
  const fault = next() < 0.35 ? FAULTS[Math.floor(next() * FAULTS.length)] : undefined;
  script.push({
    text: final,
    ...(stream && { chunkDelayMs: stream.chunkDelayMs }),
    ...(fault && { faults: [fault] }),
  });
  return { session, script, idsByTurn, final, answer: [...texts, final].join('') };
}

export async function runChaos(adapter: ChaosAdapter, options: ChaosOptions): Promise<ChaosResult> {
  const log = options.log ?? (() => undefined);
  const next = random(options.seed);
  const started = performance.now();
  // Hung model requests end at the next kill; after the last kill the server gives up on a silent
  // attempt after these timeouts and retries it.
  const serverEnv = {
    RESTATE_WORKER__INVOKER__INACTIVITY_TIMEOUT: '3s',
    RESTATE_WORKER__INVOKER__ABORT_TIMEOUT: '3s',
    // Every kill fails the attempts in flight; an exponential back-off growing to the default 60 s
    // would leave the run waiting rather than working. Still exponential, capped lower.
    RESTATE_DEFAULT_RETRY_POLICY__MAX_INTERVAL: '1s',
    ...(options.warmStandby && { RESTATE_DEFAULT_RETRY_POLICY__INITIAL_INTERVAL: '50ms' }),
    // The kills use up invocation attempts far faster than any deployment would: every kill fails each
    // attempt in flight, and while the service restarts (seconds on a loaded machine) every retry is a
    // refused connection. With the server's default budget (70 attempts, then pause) invocations ended
    // `paused` with journal size 1, having never reached the service. The budget is not what chaos
    // measures (packages/core's retry-policy test does); here an invocation retries until it finishes,
    // and one that cannot shows up as unfinished, with its last failure, instead of waiting for a human.
    RESTATE_DEFAULT_RETRY_POLICY__MAX_ATTEMPTS: 'unlimited',
  };
  const cluster: RestateCluster | undefined =
    options.cluster === undefined
      ? undefined
      : // A loaded machine takes minutes, not seconds, to bring three nodes up.
        await startRestate({ nodes: options.cluster, env: serverEnv, startTimeoutMs: 300_000 });
  const restate: RestateEnvironment = cluster ?? (await startRestate({ env: serverEnv }));
  // Whatever started is stopped again, also when a later start fails (a service too slow to come up).
  const model = await startMockModel().catch(async (error: unknown) => {
    await restate.stop();
    throw error;
  });
  const ledger = await startLedger().catch(async (error: unknown) => {
    await Promise.all([model.close(), restate.stop()]);
    throw error;
  });
  const live = options.live === true && adapter.live === true;
  // A start that fails is tried again, as a restart is (below): someone rebuilding a dist/ in the working tree.
  const startService = async (attempt = 1): Promise<ServiceProcess> =>
    startServiceProcess(serviceOptions).catch(async (error: unknown) => {
      if (attempt >= 3) throw error;
      log(`${adapter.id}: start ${attempt} failed, trying again: ${String(error).slice(-300)}`);
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      return startService(attempt + 1);
    });
  const serviceOptions: Parameters<typeof startServiceProcess>[0] = {
    entry: live ? LIVE_ENTRY : adapter.entry,
    env: {
      ...(live && { CHAOS_LIVE_ADAPTER: adapter.id, CHAOS_LIVE_INGRESS_URL: restate.ingressUrl }),
      [CONFORMANCE_ENV.openaiBaseUrl]: model.openaiBaseUrl,
      [CONFORMANCE_ENV.anthropicBaseUrl]: model.anthropicBaseUrl,
      [CONFORMANCE_ENV.geminiBaseUrl]: model.geminiBaseUrl,
      [CONFORMANCE_ENV.ledgerUrl]: ledger.url,
      RESTATE_LOGGING: 'WARN',
      ...adapter.env,
    },
    // A loaded machine takes long to load an SDK: a slow start is not what chaos measures.
    readyTimeoutMs: 120_000,
    ...(options.warmStandby && { warmStandby: true }),
  };
  const service = await startService().catch(async (error: unknown) => {
    await Promise.all([ledger.close(), model.close(), restate.stop()]);
    throw error;
  });
  let stopServerChaos = (): void => undefined;
  // Set when the run ends, also by an error: the killers stop instead of restarting what was stopped.
  let over = false;
  // Stops the streaming clients whose turn never ends (an invocation left unfinished).
  const readers = new AbortController();
  try {
    // The stream log in this process, which the run never kills: readers wait on it while the agent restarts.
    if (live) await restate.register({ services: [agentStreamObject()] });
    await restate.register({ url: service.url });
    const planned: Array<Planned & { invocationId: string }> = [];
    const outcomes = new Map<string, { text?: string; error?: string }>();
    const deliveries = new Map<string, Promise<TurnDelivery>>();
    const logClient = streamClient({ ingressUrl: restate.ingressUrl });
    let kills = 0;
    let counter = 0;
    const inFlight = new Set<Promise<void>>();

    const launch = async (): Promise<void> => {
      const item = plan(
        adapter.id,
        counter++,
        options.turns,
        next,
        live ? { chunkDelayMs: options.chunkDelayMs ?? 25 } : undefined,
      );
      model.conversation(item.session, item.script);
      const { invocationId } = await restate.send(
        { service: CONFORMANCE_OBJECT, handler: CONFORMANCE_HANDLER, key: item.session },
        { model: item.session, prompt: `record the items of ${item.session}` },
        // On a cluster a send cut off by a dying node is sent again through another: keyed, it runs once.
        { idempotencyKey: item.session },
      );
      planned.push({ ...item, invocationId });
      // A client reads the turn live from its start (one turn per session: the stream id is the session).
      if (live) {
        deliveries.set(
          item.session,
          readTurn(logClient, item.session, invocationId, item.answer, readers.signal),
        );
      }
      const done = restate
        .attach<{ text: string }>(invocationId, { timeoutMs: 180_000 })
        .then(
          (output) => void outcomes.set(item.session, { text: output.text }),
          (error: unknown) => void outcomes.set(item.session, { error: String(error) }),
        )
        .finally(() => inFlight.delete(done));
      inFlight.add(done);
    };

    // Keep `concurrency` invocations running while the killers work through their budgets.
    const disruptions: Disruption[] = [];
    const pause = ([low, high]: [number, number]) =>
      new Promise((resolve) => setTimeout(resolve, low + next() * (high - low)));
    // A restart that fails is tried again a few times: in a working tree where someone rebuilds a
    // package's dist/ during the run, one restart in forty can start while the files are missing.
    const restartService = async (): Promise<void> => {
      for (let attempt = 1; !over; attempt++) {
        try {
          await service.restart();
          return;
        } catch (error) {
          if (attempt >= 4) throw error;
          log(
            `${adapter.id}: restart ${attempt} failed, trying again: ${String(error).slice(-300)}`,
          );
          await new Promise((resolve) => setTimeout(resolve, 5_000));
        }
      }
    };
    const serviceKiller = (async () => {
      while (kills < options.kills && !over) {
        await pause(options.killEveryMs);
        disruptions.push({ at: Date.now(), kind: 'service-kill' });
        await service.kill();
        kills++;
        await restartService();
        if (kills % 20 === 0) log(`${adapter.id}: ${kills} kills, ${counter} invocations started`);
      }
    })();
    const serverChaos =
      cluster === undefined
        ? undefined
        : startServerChaos(cluster, {
            kills: options.serverKills ?? Math.max(2, Math.round(options.kills / 5)),
            everyMs: options.serverKillEveryMs ?? [2_000, 5_000],
            downMs: options.nodeDownMs ?? [500, 2_000],
            pause,
            disruptions,
            log: (line) => log(`${adapter.id}: ${line}`),
          });
    if (serverChaos) stopServerChaos = serverChaos.stop;
    let killing = true;
    const killers = Promise.all([serviceKiller, serverChaos?.done]).finally(() => {
      killing = false;
    });
    while (killing) {
      while (killing && inFlight.size < options.concurrency) await launch();
      await Promise.race([...inFlight, killers]);
    }
    await killers;
    await Promise.all([...inFlight]);
    // The time limit above counts from the launch, but on a loaded machine the kills alone can outlast it:
    // an invocation is given `settleMs` after the last kill before it counts as unfinished.
    const settled = performance.now() + (options.settleMs ?? SETTLE_MS);
    await Promise.all(
      planned
        .filter((item) => outcomes.get(item.session)?.error?.includes('did not complete within'))
        .map((item) =>
          restate
            .attach<{ text: string }>(item.invocationId, {
              timeoutMs: Math.max(1, Math.round(settled - performance.now())),
            })
            .then(
              (output) => void outcomes.set(item.session, { text: output.text }),
              (error: unknown) => void outcomes.set(item.session, { error: String(error) }),
            ),
        ),
    );

    // Every turn that ended was read to its end by now; the others' readers wait no longer.
    const delivered = new Map<string, TurnDelivery>();
    if (live) {
      const within = (ms: number, reads: Array<Promise<TurnDelivery>>) => {
        let timer: NodeJS.Timeout | undefined;
        return Promise.race([
          Promise.all(reads),
          new Promise((resolve) => {
            timer = setTimeout(resolve, ms);
          }),
        ]).finally(() => clearTimeout(timer));
      };
      // A completed turn's reader ends on its finish frame: up to 30 s to read it to the end.
      await within(
        30_000,
        [...deliveries]
          .filter(([session]) => outcomes.get(session)?.text !== undefined)
          .map(([, delivery]) => delivery),
      );
      // A turn whose invocation gave up or failed may lack an end frame (the answer-missing check is for
      // completed turns only): its invocation is over, so every frame it will get is in the log already and
      // its reader gets a few seconds to catch up, rather than the 30 s a completed turn is allowed.
      await within(3_000, [...deliveries.values()]);
      readers.abort();
      for (const [session, delivery] of deliveries) delivered.set(session, await delivery);
    }

    // Count: every side effect and model answer against the time its own step was journaled.
    const invocations: InvocationReport[] = [];
    // A completed invocation journaled one model step per scripted reply. On a cluster a node that was
    // restarted answers SQL from its own replica of the partition, which may still lack the tail of a
    // journal for a while (the ai-sdk cluster run of 2026-12-01 found 67 steps of completed invocations
    // missing): read again until every model step is there, for up to 60 s over the whole run.
    const journalDeadline = Date.now() + 60_000;
    const completeJournal = async (item: Planned & { invocationId: string }) => {
      const expected = item.idsByTurn.length + 1;
      let journal = await restate.journal(item.invocationId);
      for (
        let attempt = 1;
        Date.now() < journalDeadline &&
        outcomes.get(item.session)?.text === item.final &&
        journaledSteps(journal, adapter.modelStep).length < expected;
        attempt++
      ) {
        if (attempt === 1)
          log(`${adapter.id}: ${item.session}'s journal lacks steps, reading again`);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        journal = await restate.journal(item.invocationId);
      }
      return journal;
    };
    for (const item of planned) {
      const status = await restate.invocation(item.invocationId).catch(() => undefined);
      // Failed attempts and pauses, as the server recorded them (consecutive repeats are stored once).
      const events: EventRow[] = await restate
        .query<EventRow>(
          `SELECT after_journal_entry_index, event_type, appended_at, event_json FROM sys_journal_events WHERE id = '${item.invocationId}' ORDER BY appended_at`,
        )
        .catch((error: unknown) => [{ event_type: 'unreadable', event_json: String(error) }]);
      invocations.push(
        assessInvocation(
          {
            session: item.session,
            invocationId: item.invocationId,
            idsByTurn: item.idsByTurn,
            final: item.final,
            outcome: outcomes.get(item.session),
            status,
            journal: await completeJournal(item),
            events: events.map((event) => ({
              afterJournalIndex: event.after_journal_entry_index,
              type: event.event_type,
              appendedAt: event.appended_at,
              detail: eventDetail(event.event_json),
            })),
            ledger: ledger
              .entries({ kind: 'record', session: item.session })
              .map((entry) => ({ id: String(entry.body.id), receivedAt: entry.receivedAt })),
            requests: model.requestsFor(item.session),
          },
          adapter,
        ),
      );
    }
    const sideEffects = invocations.flatMap((report) => report.sideEffects);
    const turns = invocations.flatMap((report) => report.modelTurns);
    const count = <T>(items: T[], test: (item: T) => boolean): number => items.filter(test).length;
    const extraHits = (effect: SideEffectReport): number => effect.ledgerHits.length - 1;
    const extraAnswers = (turn: ModelTurnReport): number => Math.max(0, turn.answeredAt.length - 1);
    const clusterResult = serverChaos?.finish(invocations, disruptions);
    const attributions = invocations.map((report) => attributeReruns(report, disruptions));
    const total = (pick: (value: RerunAttribution) => number): number =>
      attributions.reduce((sum, value) => sum + pick(value), 0);
    const mismatchPattern = /journal mismatch|RT0016/gi;
    const journalMismatches =
      (restate.logs().match(mismatchPattern)?.length ?? 0) +
      (service.output().match(mismatchPattern)?.length ?? 0);
    return {
      adapter: adapter.id,
      kills,
      invocationsStarted: planned.length,
      invocationsCompleted: count(invocations, (report) => report.outcome === 'completed'),
      invocationsGaveUp: count(invocations, (report) => report.outcome === 'gave-up'),
      invocationsFailed: count(invocations, (report) => report.outcome === 'failed'),
      invocationsUnfinished: count(invocations, (report) => report.outcome === 'unfinished'),
      invocationsPaused: count(invocations, (report) => report.status === 'paused'),
      failures: invocations
        .filter((report) => report.outcome === 'failed' || report.outcome === 'unfinished')
        .map(
          (report) =>
            `${report.session} ${report.invocationId}: ${report.error ?? ''} [status ${report.status ?? 'unknown'}]`,
        ),
      sideEffectsExpected: sideEffects.length,
      sideEffectsDuplicated: count(sideEffects, (effect) => effect.verdict === 'duplicated'),
      sideEffectsLost: count(sideEffects, (effect) => effect.verdict === 'lost'),
      sideEffectsRerunBeforeJournaled: sideEffects
        .filter((effect) => effect.verdict === 'rerun-before-journaled')
        .reduce((sum, effect) => sum + extraHits(effect), 0),
      modelRequestsAnswered: turns.reduce((sum, turn) => sum + turn.answeredAt.length, 0),
      modelRequestsRepeated: count(turns, (turn) => turn.verdict === 'repeated'),
      modelRequestsRetriedBeforeJournaled: turns
        .filter((turn) => turn.verdict === 'retried-before-journaled')
        .reduce((sum, turn) => sum + extraAnswers(turn), 0),
      faultsInjected: turns.reduce((sum, turn) => sum + turn.faults, 0),
      journalMismatches,
      clockInversionMaxMs: Math.max(0, ...invocations.map((report) => report.clockInversionMs)),
      stepsUnmatched: invocations
        .filter((report) => report.outcome === 'completed')
        .reduce(
          (sum, report) =>
            sum +
            count(report.sideEffects, (effect) => effect.journalIndex === undefined) +
            count(
              report.modelTurns,
              (turn) => turn.answeredAt.length > 0 && turn.journalIndex === undefined,
            ),
          0,
        ),
      rerunCauses: {
        serviceKill: total((value) => value.byServiceKill),
        serverEvent: total((value) => value.byServer),
        attemptEnd: total((value) => value.byAttemptEnd),
        attemptTimeout: total((value) => value.byAttemptTimeout),
        withinAttempt: total((value) => value.unexplained),
      },
      durationMs: Math.round(performance.now() - started),
      ...(clusterResult && { cluster: clusterResult }),
      ...(live && { delivery: deliveryResult(planned, invocations, delivered) }),
      invocations,
    };
  } finally {
    over = true;
    readers.abort();
    stopServerChaos();
    await service.stop();
    await ledger.close();
    await model.close();
    await restate.stop();
  }
}

/** Sums what the clients saw; a completed turn's final message must be the whole journaled answer. */
function deliveryResult(
  planned: ReadonlyArray<Planned>,
  invocations: ReadonlyArray<InvocationReport>,
  delivered: ReadonlyMap<string, TurnDelivery>,
): DeliveryResult {
  const completed = new Set(
    invocations.filter((report) => report.outcome === 'completed').map((report) => report.session),
  );
  const failures: DeliveryResult['failures'] = [];
  let answersMissing = 0;
  for (const item of planned) {
    const delivery = delivered.get(item.session);
    if (delivery === undefined) continue;
    const missing = completed.has(item.session) && delivery.final !== item.answer;
    if (missing) answersMissing++;
    if ((missing || delivery.wordsShownTwice > 0) && failures.length < 10) {
      failures.push({
        session: item.session,
        final: delivery.final,
        wordsShownTwice: delivery.wordsShownTwice,
        ...(delivery.error !== undefined && { error: delivery.error }),
      });
    }
  }
  const all = [...delivered.values()];
  return {
    turnsRead: all.length,
    wordsShownTwice: all.reduce((sum, delivery) => sum + delivery.wordsShownTwice, 0),
    answersMissing,
    retractions: all.reduce((sum, delivery) => sum + delivery.retractions, 0),
    turnsRetracted: all.filter((delivery) => delivery.retractions > 0).length,
    reconnects: all.reduce((sum, delivery) => sum + delivery.reconnects, 0),
    failures,
  };
}

/**
 * Kills server nodes of `cluster` while the run goes on: every other kill the partition's leader, else
 * the other nodes in turn; each node comes back after `downMs`, and the next kill waits until the cluster serves
 * through every node again (a second node down would stall it: replication 2 of 3). A poller watches
 * which node leads, for the leadership changes and failover times.
 */
function startServerChaos(
  cluster: RestateCluster,
  options: {
    kills: number;
    everyMs: [number, number];
    downMs: [number, number];
    pause: (range: [number, number]) => Promise<unknown>;
    disruptions: Disruption[];
    log: (line: string) => void;
  },
): {
  done: Promise<void>;
  /** Stops watching the leader (also when the run failed). */
  stop: () => void;
  finish: (invocations: InvocationReport[], disruptions: Disruption[]) => ClusterChaosResult;
} {
  let leader: string | undefined;
  let leadershipChanges = 0;
  let polling = true;
  let killedLeaderAt: number | undefined;
  let killedLeader: string | undefined;
  const failoverMs: number[] = [];
  void (async () => {
    while (polling) {
      const leading = await Promise.all(
        cluster.nodes.map((node) => node.isLeader().catch(() => false)),
      );
      const names = cluster.nodes.filter((_, index) => leading[index]).map((node) => node.name);
      const now = names.length === 1 ? names[0] : undefined;
      if (now !== undefined && now !== leader) {
        if (leader !== undefined) {
          leadershipChanges++;
          options.disruptions.push({ at: Date.now(), kind: 'leader-change' });
        }
        if (killedLeaderAt !== undefined && now !== killedLeader) {
          failoverMs.push(Date.now() - killedLeaderAt);
          killedLeaderAt = undefined;
        }
        leader = now;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  let serverKills = 0;
  let leaderKills = 0;
  let stopped = false;
  const done = (async () => {
    while (serverKills < options.kills && !stopped) {
      await options.pause(options.everyMs);
      const current = await cluster.leader({ timeoutMs: 60_000 });
      const others = cluster.nodes.filter((node) => node !== current);
      const victim: RestateNode =
        serverKills % 2 === 0
          ? current
          : (others[((serverKills - 1) / 2) % others.length] as RestateNode);
      if (victim === current) {
        leaderKills++;
        killedLeader = victim.name;
        killedLeaderAt = Date.now();
      }
      options.disruptions.push({ at: Date.now(), kind: 'node-kill' });
      await victim.kill();
      serverKills++;
      options.log(
        `server kill ${serverKills}: ${victim.name}${victim === current ? ' (the leader)' : ''}`,
      );
      await options.pause(options.downMs);
      await victim.restart();
      options.disruptions.push({ at: Date.now(), kind: 'node-restart' });
      await cluster.waitReady({ timeoutMs: 300_000 });
    }
  })();
  return {
    done,
    stop: () => {
      polling = false;
      stopped = true;
    },
    finish: (invocations, disruptions) => {
      polling = false;
      const attributions = invocations.map((report) => attributeReruns(report, disruptions));
      const sum = (pick: (value: (typeof attributions)[number]) => number) =>
        attributions.reduce((total, value) => total + pick(value), 0);
      return {
        nodes: cluster.nodes.length,
        serverKills,
        leaderKills,
        leadershipChanges,
        failoverMs,
        inFlightReruns: sum(
          (value) => value.byServiceKill + value.byServer + value.byAttemptEnd + value.unexplained,
        ),
        inFlightRerunsAtAttemptEnds: sum((value) => value.byAttemptEnd),
        inFlightRerunsAtTimeouts: sum((value) => value.byAttemptTimeout),
        inFlightRerunsAtServerEvents: sum((value) => value.byServer),
        inFlightRerunsUnexplained: sum((value) => value.unexplained),
        invocationsOverRerunBound: attributions.filter(
          (value) => value.byServer > value.serverEvents * value.parallelSteps,
        ).length,
        sessionsWithUnexplainedReruns: invocations
          .filter((_, index) => (attributions[index]?.unexplained ?? 0) > 0)
          .map((report) => report.session),
        disruptions: [...disruptions]
          .sort((a, b) => a.at - b.at)
          .map((event) => ({ at: new Date(event.at).toISOString(), kind: event.kind })),
      };
    },
  };
}
