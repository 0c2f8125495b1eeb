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
import {
  CONFORMANCE_ENV,
  CONFORMANCE_HANDLER,
  CONFORMANCE_OBJECT,
  type JournalEntry,
  type MockFault,
  type MockReply,
  startLedger,
  startMockModel,
  startRestate,
  startServiceProcess,
} from '@restate-agents/testing';

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
}

const packages = fileURLToPath(new URL('../../packages/', import.meta.url));

export const CHAOS_ADAPTERS: readonly ChaosAdapter[] = [
  {
    id: 'core',
    slug: 'core',
    entry: `${packages}core/test/plain-openai-service.ts`,
    modelStep: /^openai:chat$/,
    recordStep: /^tool:record$/,
  },
  {
    id: 'ai-sdk',
    slug: 'ai-sdk',
    entry: `${packages}ai-sdk/test/conformance-service.ts`,
    env: { AI_SDK_API: 'generateText' },
    modelStep: /^ai-sdk:(generate|stream):/,
    recordStep: /^ai-sdk:tool:record/,
  },
  {
    id: 'openai-agents',
    slug: 'openai-agents',
    entry: `${packages}openai-agents/test/conformance-service.ts`,
    env: { OPENAI_AGENTS_API: 'chat' },
    modelStep: /^openai-agents:model$/,
    recordStep: /record/,
  },
  {
    id: 'langchain',
    slug: 'langchain',
    entry: `${packages}langchain/test/agent-service.ts`,
    modelStep: /^langchain:model$/,
    recordStep: /record/,
  },
  {
    id: 'langgraph',
    slug: 'langgraph',
    entry: `${packages}langgraph/test/conformance-service.ts`,
    // Its agent node calls the model through durableChatModel from @restate-agents/langchain.
    modelStep: /^langchain:model$/,
    recordStep: /^tool:record$/,
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
  log?: (line: string) => void;
}

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
  durationMs: number;
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
  ids: string[];
  final: string;
}

function plan(adapter: string, index: number, turns: number, next: () => number): Planned {
  const session = `chaos-${adapter}-${index}`;
  const ids: string[] = [];
  const script: MockReply[] = [];
  for (let turn = 0; turn < turns; turn++) {
    const calls = next() < 0.3 ? 2 : 1;
    const toolCalls = Array.from({ length: calls }, (_, position) => {
      const id = `${session}-t${turn}-${position}`;
      ids.push(id);
      return { name: 'record', arguments: { id } };
    });
    const fault = next() < 0.35 ? FAULTS[Math.floor(next() * FAULTS.length)] : undefined;
    script.push({ toolCalls, ...(fault && { faults: [fault] }) });
  }
  const final = `done ${session}`;
  const fault = next() < 0.35 ? FAULTS[Math.floor(next() * FAULTS.length)] : undefined;
  script.push({ text: final, ...(fault && { faults: [fault] }) });
  return { session, script, ids, final };
}

/** Commands matching `pattern` with the time their result was journaled, in journal order. */
function journaledAt(journal: JournalEntry[], pattern: RegExp): number[] {
  const notifications = new Map<number, JournalEntry>();
  for (const entry of journal) {
    if (entry.kind === 'notification' && entry.completionId !== undefined) {
      notifications.set(entry.completionId, entry);
    }
  }
  return journal
    .filter(
      (entry) => entry.kind === 'command' && entry.name !== undefined && pattern.test(entry.name),
    )
    .map((entry) => {
      const notification =
        entry.completionId === undefined ? undefined : notifications.get(entry.completionId);
      return notification?.appendedAt === undefined
        ? Number.NaN
        : Date.parse(notification.appendedAt);
    });
}

/** The ledger and model stamp arrival with Date.now(); the server stores ms. Slack for rounding only. */
const CLOCK_SLACK_MS = 5;

export async function runChaos(adapter: ChaosAdapter, options: ChaosOptions): Promise<ChaosResult> {
  const log = options.log ?? (() => undefined);
  const next = random(options.seed);
  const started = performance.now();
  // Hung model requests end at the next kill; after the last kill the server gives up on a silent
  // attempt after these timeouts and retries it.
  const restate = await startRestate({
    env: {
      RESTATE_WORKER__INVOKER__INACTIVITY_TIMEOUT: '3s',
      RESTATE_WORKER__INVOKER__ABORT_TIMEOUT: '3s',
      // Every kill fails the attempts in flight; an exponential back-off growing to the default 10 s
      // would leave the run waiting rather than working. Still exponential, capped lower.
      RESTATE_DEFAULT_RETRY_POLICY__MAX_INTERVAL: '1s',
    },
  });
  const model = await startMockModel();
  const ledger = await startLedger();
  const service = await startServiceProcess({
    entry: adapter.entry,
    env: {
      [CONFORMANCE_ENV.openaiBaseUrl]: model.openaiBaseUrl,
      [CONFORMANCE_ENV.anthropicBaseUrl]: model.anthropicBaseUrl,
      [CONFORMANCE_ENV.ledgerUrl]: ledger.url,
      RESTATE_LOGGING: 'WARN',
      ...adapter.env,
    },
    readyTimeoutMs: 30_000,
  });
  try {
    await restate.register({ url: service.url });
    const planned: Array<Planned & { invocationId: string }> = [];
    const outcomes = new Map<string, { text?: string; error?: string }>();
    let kills = 0;
    let counter = 0;
    const inFlight = new Set<Promise<void>>();

    const launch = async (): Promise<void> => {
      const item = plan(adapter.id, counter++, options.turns, next);
      model.conversation(item.session, item.script);
      const { invocationId } = await restate.send(
        { service: CONFORMANCE_OBJECT, handler: CONFORMANCE_HANDLER, key: item.session },
        { model: item.session, prompt: `record the items of ${item.session}` },
      );
      planned.push({ ...item, invocationId });
      const done = restate
        .attach<{ text: string }>(invocationId, { timeoutMs: 180_000 })
        .then(
          (output) => void outcomes.set(item.session, { text: output.text }),
          (error: unknown) => void outcomes.set(item.session, { error: String(error) }),
        )
        .finally(() => inFlight.delete(done));
      inFlight.add(done);
    };

    // Keep `concurrency` invocations running while the killer works through its budget.
    let killing = true;
    const killer = (async () => {
      while (kills < options.kills) {
        const [low, high] = options.killEveryMs;
        await new Promise((resolve) => setTimeout(resolve, low + next() * (high - low)));
        await service.kill();
        kills++;
        await service.restart();
        if (kills % 20 === 0) log(`${adapter.id}: ${kills} kills, ${counter} invocations started`);
      }
      killing = false;
    })();
    while (killing) {
      while (killing && inFlight.size < options.concurrency) await launch();
      await Promise.race([...inFlight, killer]);
    }
    await killer;
    await Promise.all([...inFlight]);

    // Count: every side effect and model answer against the time its step was journaled.
    let duplicated = 0;
    let lost = 0;
    let rerun = 0;
    let answered = 0;
    let repeated = 0;
    let retried = 0;
    let expected = 0;
    let faults = 0;
    const failures: string[] = [];
    let completed = 0;
    let gaveUp = 0;
    for (const item of planned) {
      const outcome = outcomes.get(item.session);
      const ok = outcome?.text === item.final;
      if (ok) completed++;
      else if (outcome?.error?.includes('gave up after')) gaveUp++;
      else {
        // Say where a stuck invocation is: its status, retries and last failure, as the server sees it.
        const status = await restate.invocation(item.invocationId).catch(() => undefined);
        const where = status
          ? ` [status ${status.status}, retries ${String(status.retryCount ?? 0)}, last failure ${String(
              status.lastFailure ?? 'none',
            ).slice(0, 300)}]`
          : '';
        failures.push(
          `${item.session}: ${outcome?.error ?? `unexpected output ${JSON.stringify(outcome?.text)}`}${where}`,
        );
      }
      const journal = await restate.journal(item.invocationId);
      const recordTimes = journaledAt(journal, adapter.recordStep);
      const records = ledger.entries({ kind: 'record', session: item.session });
      item.ids.forEach((id, position) => {
        expected++;
        const hits = records.filter((entry) => entry.body.id === id);
        if (hits.length === 0) {
          if (ok) lost++;
          return;
        }
        const storedAt = recordTimes[position] ?? Number.NaN;
        const after = Number.isNaN(storedAt)
          ? 0
          : hits.filter((entry) => entry.receivedAt > storedAt + CLOCK_SLACK_MS).length;
        duplicated += after;
        rerun += hits.length - 1 - after;
      });
      const modelTimes = journaledAt(journal, adapter.modelStep);
      const requests = model.requestsFor(item.session);
      faults += requests.filter((request) => request.outcome === 'fault').length;
      const byTurn = new Map<number, number[]>();
      for (const request of requests.filter((entry) => entry.outcome === 'answered')) {
        answered++;
        byTurn.set(request.turnIndex, [
          ...(byTurn.get(request.turnIndex) ?? []),
          request.receivedAt,
        ]);
      }
      for (const [turn, arrivals] of byTurn) {
        const storedAt = modelTimes[turn] ?? Number.NaN;
        const after = Number.isNaN(storedAt)
          ? 0
          : arrivals.filter((arrival) => arrival > storedAt + CLOCK_SLACK_MS).length;
        repeated += after;
        retried += arrivals.length - 1 - after;
      }
    }
    const mismatchPattern = /journal mismatch|RT0016/gi;
    const journalMismatches =
      (restate.logs().match(mismatchPattern)?.length ?? 0) +
      (service.output().match(mismatchPattern)?.length ?? 0);
    return {
      adapter: adapter.id,
      kills,
      invocationsStarted: planned.length,
      invocationsCompleted: completed,
      invocationsGaveUp: gaveUp,
      failures: failures.slice(0, 20),
      sideEffectsExpected: expected,
      sideEffectsDuplicated: duplicated,
      sideEffectsLost: lost,
      sideEffectsRerunBeforeJournaled: rerun,
      modelRequestsAnswered: answered,
      modelRequestsRepeated: repeated,
      modelRequestsRetriedBeforeJournaled: retried,
      faultsInjected: faults,
      journalMismatches,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    await service.stop();
    await ledger.close();
    await model.close();
    await restate.stop();
  }
}
