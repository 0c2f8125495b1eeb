/**
 * The chaos run's bookkeeping, kept apart from the run so it can be tested on its own: for one invocation,
 * which side effects and model answers happened once, which were legally re-run (the attempt died inside
 * the step, before its result was journaled) and which ran again after their step was journaled.
 *
 * Two rules make the counts consistent (the old ones produced "1 duplicated, -1 re-run" for a side effect
 * that ran exactly once):
 * - Causality before clocks. A journaled result was produced by one of the executions the ledger (or the
 *   model server) saw, and that execution's arrival precedes the journal entry in real time. The server's
 *   `appended_at` and the ledger's `Date.now()` are two clocks read at different points, though: on a
 *   loaded machine the single execution of a step was seen stamped up to 109 ms after its journal entry. So the
 *   last arrival at or before the journal time (plus a slack) is the producer; when none is, the first
 *   arrival after it is (the clocks disagreed), and only the arrivals after the producer and after the
 *   journal time count as "ran again after it was journaled".
 * - Each side effect is matched to its own step: by the tool call id in the step name when the adapter puts
 *   it there, else by its place among the `record` steps of its model turn; never by a position counted
 *   over the whole journal.
 */
import type { InvocationStatus, JournalEntry } from '@restate-agents/testing';

/**
 * Arrivals up to this long after the journal time still count as before it: the server's record timestamp
 * and the test process's `Date.now()` disagree under load (see the module comment). The largest gap seen
 * between a step's only execution and its later-stamped journal entry was 109 ms, in 20-kill runs beside two
 * CPU burners on 2 busy cores; the slack is more than twice that. A real re-run after journaling (an attempt
 * Restate had already given up on, still running) comes after the abort and a replay: far later.
 */
export const CLOCK_SLACK_MS = 250;

/**
 * Splits the arrivals of one step's executions against the time its result was journaled: `again` ran
 * after the result was journaled (duplicates), `before` are the other executions (the producer included).
 * `inversionMs` is how far after the journal time the producer was stamped, when it was (clock skew).
 */
export function splitArrivals(
  arrivals: readonly number[],
  journaledAt: number,
): { before: number; again: number; inversionMs: number | undefined } {
  if (arrivals.length === 0 || Number.isNaN(journaledAt)) {
    return { before: arrivals.length, again: 0, inversionMs: undefined };
  }
  const sorted = [...arrivals].sort((a, b) => a - b);
  const early = sorted.filter((arrival) => arrival <= journaledAt + CLOCK_SLACK_MS).length;
  // No arrival before the journal time: the first one after it produced the result (clock skew).
  const producer = early > 0 ? early - 1 : 0;
  const producedAt = sorted[producer] as number;
  const again = sorted.length - 1 - producer;
  return {
    before: producer + 1,
    again,
    inversionMs: producedAt > journaledAt ? producedAt - journaledAt : undefined,
  };
}

/** One side effect (a `record` tool call) of an invocation. */
export interface SideEffectReport {
  /** The id the model asked `record` to store; also its tool call id in the script. */
  id: string;
  /** The model turn that asked for it. */
  turn: number;
  /** The journal index of the step that journaled it, when it was journaled. */
  journalIndex: number | undefined;
  /** The step's name as journaled. */
  stepName: string | undefined;
  /** When its result was journaled (ISO), when it was. */
  journaledAt: string | undefined;
  /** When the ledger received it, every time (ISO). */
  ledgerHits: string[];
  /**
   * `once`; `rerun-before-journaled` (more than one hit, all before the journal entry: at-least-once for a
   * step in flight when its attempt died); `duplicated` (a hit after the journal entry: must not happen);
   * `lost` (the invocation completed but the side effect never happened); `not-run` (the invocation
   * stopped before it).
   */
  verdict: 'once' | 'rerun-before-journaled' | 'duplicated' | 'lost' | 'not-run';
  /** Executions after the one that was journaled and after the journal entry: must be 0. */
  ranAgainAfterJournaled: number;
}

/** One model turn (one scripted reply) of an invocation. */
export interface ModelTurnReport {
  turn: number;
  journalIndex: number | undefined;
  journaledAt: string | undefined;
  /** Arrival of every request that was answered (ISO). */
  answeredAt: string[];
  /** Requests answered with an injected fault. */
  faults: number;
  verdict: 'once' | 'retried-before-journaled' | 'repeated' | 'not-journaled';
  /** Requests answered after the journaled one and after the journal entry: must be 0. */
  answeredAgainAfterJournaled: number;
}

/** What one chaos invocation did, as the server, the journal, the ledger and the model server saw it. */
export interface InvocationReport {
  session: string;
  invocationId: string;
  /**
   * `completed` with the scripted final answer; `gave-up`: failed with an error naming why it stopped
   * (a step's retry cap, or the invocation's attempts used up); `failed`: any other failure;
   * `unfinished`: no result (still running, backing off, suspended or paused on the server).
   */
  outcome: 'completed' | 'gave-up' | 'failed' | 'unfinished';
  /** The server's status at the end of the run (`completed`, `paused`, `backing-off`, …). */
  status: string | undefined;
  /** The error the caller got, or why there was no result. */
  error: string | undefined;
  retryCount: number;
  lastFailure: string | undefined;
  /** Failed attempts and pauses the server recorded (`sys_journal_events`), the last few, repeats counted. */
  events: string[];
  sideEffects: SideEffectReport[];
  modelTurns: ModelTurnReport[];
  /** The largest gap by which a producing execution was stamped after its journal entry (clock skew), ms. */
  clockInversionMs: number;
  /**
   * Every attempt of this invocation the server ended with a failure (`TransientError` events: a failed
   * step, a refused connection, the invoker's inactivity/abort timeout), the time and the first line of why.
   * What tells a re-run within one attempt (the adapter called twice) from a retry of the attempt.
   */
  attemptEnds: Array<{ at: string; detail: string }>;
}

/** One `sys_journal_events` row (a failed attempt, a pause), its payload summarised. */
export interface JournalEvent {
  /** The journal entry the invocation had reached. */
  afterJournalIndex: number | undefined;
  type: string;
  appendedAt: string | undefined;
  detail: string;
}

/** Everything {@link assessInvocation} needs about one invocation. */
export interface InvocationEvidence {
  session: string;
  invocationId: string;
  /** The `record` ids the script asks for, by turn. */
  idsByTurn: string[][];
  final: string;
  /** What attach returned: the output text, or the error. */
  outcome: { text?: string; error?: string } | undefined;
  status: InvocationStatus | undefined;
  journal: JournalEntry[];
  events: JournalEvent[];
  /** Ledger `record` arrivals of this session: the id and `Date.now()` on arrival. */
  ledger: Array<{ id: string; receivedAt: number }>;
  /** Model requests of this session. */
  requests: Array<{ turnIndex: number; receivedAt: number; outcome: string }>;
}

/** The journal step patterns of an adapter. */
export interface StepPatterns {
  modelStep: RegExp;
  recordStep: RegExp;
}

/** Errors that say the invocation stopped on purpose, naming why: a step's retry cap, or Restate's. */
const GAVE_UP =
  /gave up after|retries exhausted|max(imum)? attempts|attempts? (were )?(used up|exhausted)/i;

interface Stored {
  index: number;
  name: string;
  /** Result journaled at (ms), NaN when the step has no result in the journal. */
  at: number;
  atText: string | undefined;
}

/** Commands matching `pattern`, in journal order, with the time their completion was journaled. */
export function journaledSteps(journal: JournalEntry[], pattern: RegExp): Stored[] {
  const completions = new Map<number, JournalEntry>();
  for (const entry of journal) {
    if (entry.kind === 'notification' && entry.completionId !== undefined) {
      completions.set(entry.completionId, entry);
    }
  }
  return journal
    .filter(
      (entry) =>
        entry.kind === 'command' &&
        entry.type === 'Run' &&
        entry.name !== undefined &&
        pattern.test(entry.name),
    )
    .map((entry) => {
      const completion =
        entry.completionId === undefined ? undefined : completions.get(entry.completionId);
      const atText = completion?.appendedAt;
      return {
        index: entry.index,
        name: entry.name as string,
        at: atText === undefined ? Number.NaN : Date.parse(atText),
        atText,
      };
    });
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Classifies every side effect and model answer of one invocation; see the module comment. */
export function assessInvocation(
  evidence: InvocationEvidence,
  patterns: StepPatterns,
): InvocationReport {
  const { outcome, status } = evidence;
  const completed = outcome?.text === evidence.final;
  const verdict: InvocationReport['outcome'] = completed
    ? 'completed'
    : outcome?.error === undefined || /did not complete within/.test(outcome.error)
      ? 'unfinished'
      : GAVE_UP.test(outcome.error)
        ? 'gave-up'
        : 'failed';

  const models = journaledSteps(evidence.journal, patterns.modelStep);
  // The exact pattern guard: a record step is never a model step, whatever the patterns say.
  const records = journaledSteps(evidence.journal, patterns.recordStep).filter(
    (step) => !patterns.modelStep.test(step.name),
  );

  // A record step belongs to the turn whose model step precedes it in the journal.
  const turnOf = (index: number): number => {
    let turn = -1;
    for (const model of models) if (model.index < index) turn++;
    return turn;
  };
  const byName = new Map<string, Stored>();
  const recordsByTurn = new Map<number, Stored[]>();
  for (const record of records) {
    const turn = turnOf(record.index);
    recordsByTurn.set(turn, [...(recordsByTurn.get(turn) ?? []), record]);
  }
  const allIds = evidence.idsByTurn.flat();
  for (const record of records) {
    const id = allIds.find((candidate) => record.name.includes(candidate));
    if (id !== undefined) byName.set(id, record);
  }

  const inversions: number[] = [];
  const sideEffects: SideEffectReport[] = [];
  evidence.idsByTurn.forEach((ids, turn) => {
    const inTurn = (recordsByTurn.get(turn) ?? []).filter(
      (record) => ![...byName.values()].includes(record),
    );
    let next = 0;
    for (const id of ids) {
      const stored = byName.get(id) ?? inTurn[next++];
      const hits = evidence.ledger
        .filter((entry) => entry.id === id)
        .map((entry) => entry.receivedAt)
        .sort((a, b) => a - b);
      const at = stored?.at ?? Number.NaN;
      const split = splitArrivals(hits, at);
      if (split.inversionMs !== undefined) inversions.push(split.inversionMs);
      sideEffects.push({
        id,
        turn,
        journalIndex: stored?.index,
        stepName: stored?.name,
        journaledAt: stored?.atText,
        ledgerHits: hits.map(iso),
        verdict:
          hits.length === 0
            ? completed
              ? 'lost'
              : 'not-run'
            : split.again > 0
              ? 'duplicated'
              : hits.length > 1
                ? 'rerun-before-journaled'
                : 'once',
        ranAgainAfterJournaled: split.again,
      });
    }
  });

  const modelTurns: ModelTurnReport[] = [];
  const turns = new Set(evidence.requests.map((request) => request.turnIndex));
  for (const turn of [...turns].sort((a, b) => a - b)) {
    const requests = evidence.requests.filter((request) => request.turnIndex === turn);
    const answered = requests
      .filter((request) => request.outcome === 'answered')
      .map((request) => request.receivedAt)
      .sort((a, b) => a - b);
    const stored = models[turn];
    const at = stored?.at ?? Number.NaN;
    const split = splitArrivals(answered, at);
    if (split.inversionMs !== undefined) inversions.push(split.inversionMs);
    modelTurns.push({
      turn,
      journalIndex: stored?.index,
      journaledAt: stored?.atText,
      answeredAt: answered.map(iso),
      faults: requests.filter((request) => request.outcome === 'fault').length,
      verdict: Number.isNaN(at)
        ? 'not-journaled'
        : split.again > 0
          ? 'repeated'
          : answered.length > 1
            ? 'retried-before-journaled'
            : 'once',
      answeredAgainAfterJournaled: split.again,
    });
  }

  return {
    session: evidence.session,
    invocationId: evidence.invocationId,
    outcome: verdict,
    status: status?.status,
    error: completed
      ? undefined
      : (outcome?.error ?? `unexpected output ${JSON.stringify(outcome?.text)}`),
    retryCount: status?.retryCount ?? 0,
    lastFailure: status?.lastFailure?.slice(0, 400),
    events: summariseEvents(evidence.events),
    sideEffects,
    modelTurns,
    clockInversionMs: inversions.length === 0 ? 0 : Math.max(...inversions),
    attemptEnds: evidence.events
      .filter((event) => event.type === 'TransientError' && event.appendedAt !== undefined)
      .map((event) => ({ at: event.appendedAt as string, detail: event.detail.slice(0, 200) })),
  };
}

/** The last few events, each with how often it happened: a pause after 70 refused connections reads as such. */
function summariseEvents(events: JournalEvent[]): string[] {
  const lines: string[] = [];
  let previous: string | undefined;
  let firstAt: string | undefined;
  let repeats = 0;
  // The time of the first of a run of repeats: what tells which kill or server event an attempt's end followed.
  const flush = () => {
    if (previous === undefined) return;
    const line = firstAt === undefined ? previous : `${previous} [at ${firstAt}]`;
    lines.push(repeats > 1 ? `${line} (×${repeats})` : line);
  };
  for (const event of events) {
    const line = `${event.type} after entry ${event.afterJournalIndex ?? '?'}: ${event.detail}`;
    if (line === previous) {
      repeats++;
      continue;
    }
    flush();
    previous = line;
    firstAt = event.appendedAt;
    repeats = 1;
  }
  flush();
  const shown = lines.slice(-8);
  return lines.length > shown.length
    ? [`… ${lines.length - shown.length} earlier`, ...shown]
    : shown;
}

/** An invocation worth printing: not completed, or anything in it duplicated, lost or repeated. */
export function isTroubled(report: InvocationReport): boolean {
  return (
    report.outcome !== 'completed' ||
    report.sideEffects.some(
      (effect) => effect.verdict === 'duplicated' || effect.verdict === 'lost',
    ) ||
    report.modelTurns.some((turn) => turn.verdict === 'repeated')
  );
}

/** A readable block for one invocation: status, error, every side effect and model turn with times. */
export function formatInvocation(report: InvocationReport): string {
  const lines = [
    `${report.session} ${report.invocationId}: ${report.outcome} (server status ${report.status ?? 'unknown'}, retries ${report.retryCount})`,
  ];
  if (report.error !== undefined) lines.push(`  error: ${report.error.slice(0, 400)}`);
  if (report.lastFailure !== undefined) lines.push(`  last failure: ${report.lastFailure}`);
  for (const event of report.events) lines.push(`  event ${event.slice(0, 400)}`);
  for (const effect of report.sideEffects) {
    lines.push(
      `  side effect ${effect.id} (turn ${effect.turn}): ${effect.verdict}; step #${effect.journalIndex ?? '-'} ${effect.stepName ?? ''} journaled ${effect.journaledAt ?? 'never'}; ledger ${effect.ledgerHits.join(', ') || 'none'}`,
    );
  }
  for (const turn of report.modelTurns) {
    lines.push(
      `  model turn ${turn.turn}: ${turn.verdict}; step #${turn.journalIndex ?? '-'} journaled ${turn.journaledAt ?? 'never'}; answered ${turn.answeredAt.join(', ') || 'never'}; faults ${turn.faults}`,
    );
  }
  return lines.join('\n');
}

/** Something that can end an attempt in flight: a kill of the service, or the server cluster changing. */
export interface Disruption {
  /** `Date.now()` when it happened. */
  at: number;
  /** `service-kill`; or, on a cluster, `node-kill`, `node-restart`, `leader-change`. */
  kind: 'service-kill' | 'node-kill' | 'node-restart' | 'leader-change';
}

/**
 * How long before a re-run a server event may lie and still explain it: a node kill stalls log appends,
 * and the attempt running then is aborted by the invoker's inactivity timeout (3 s in chaos) or moved at
 * the next leadership change (1.4–3.9 s measured after a leader kill), well after the event itself.
 */
export const SERVER_EVENT_REACH_MS = 10_000;

/** How the server reports an attempt it gave up on (inactivity, then abort timeout: RT0001). */
export const ATTEMPT_TIMEOUT = /RT0001|inactiv|abort(ed)? (due to|timeout)|timed? ?out/i;

/** The in-flight re-runs of one invocation, by what ended the attempt that ran the step first. */
export interface RerunAttribution {
  /** A service kill lies between the two executions. */
  byServiceKill: number;
  /** No service kill between them, but a server node kill, restart or leadership change before. */
  byServer: number;
  /**
   * Neither, but the server ended the attempt that ran it first (a `TransientError` between the two runs):
   * the invoker's inactivity + abort timeout on an attempt starved of CPU (RT0001), or another step of the
   * same attempt failing (a model fault). A legal retry of the attempt, not a duplicate.
   */
  byAttemptEnd: number;
  /** Of them, attempts ended by the invoker's timeouts (the server gave up on a silent attempt). */
  byAttemptTimeout: number;
  /** None of these: the step ran twice within one attempt (the adapter or the SDK called it again). */
  unexplained: number;
  /** Server events (node kills and restarts, leadership changes) during the invocation. */
  serverEvents: number;
  /** Steps of this invocation that can be in flight at once (its largest number of calls in one turn, ≥ 1). */
  parallelSteps: number;
}

/**
 * Attributes every re-run before journaling of one invocation (each execution after the first of a
 * side effect or answered model turn) to what ended the attempt that ran it before: Restate's
 * at-least-once for the step in flight holds only if each re-run follows a service kill, or, on a cluster,
 * a server event (the partition's leader moved, so the new leader replayed the journal and ran the
 * step in flight again). On a cluster, each server event re-runs at most the steps in flight then, so
 * `byServer ≤ serverEvents × parallelSteps`.
 */
export function attributeReruns(
  report: InvocationReport,
  disruptions: readonly Disruption[],
): RerunAttribution {
  const serviceKills = disruptions.filter((event) => event.kind === 'service-kill');
  const serverEvents = disruptions.filter((event) => event.kind !== 'service-kill');
  const result: RerunAttribution = {
    byServiceKill: 0,
    byServer: 0,
    byAttemptEnd: 0,
    byAttemptTimeout: 0,
    unexplained: 0,
    serverEvents: 0,
    parallelSteps: 1,
  };
  const series: number[][] = [
    ...report.sideEffects
      .filter((effect) => effect.verdict === 'rerun-before-journaled')
      .map((effect) => effect.ledgerHits.map((hit) => Date.parse(hit))),
    ...report.modelTurns
      .filter((turn) => turn.verdict === 'retried-before-journaled')
      .map((turn) => turn.answeredAt.map((hit) => Date.parse(hit))),
  ];
  for (const arrivals of series) {
    const sorted = [...arrivals].sort((a, b) => a - b);
    for (let index = 1; index < sorted.length; index++) {
      const first = (sorted[index - 1] as number) - CLOCK_SLACK_MS;
      const again = (sorted[index] as number) + CLOCK_SLACK_MS;
      if (serviceKills.some((event) => event.at >= first && event.at <= again)) {
        result.byServiceKill++;
      } else if (
        serverEvents.some((event) => event.at >= first - SERVER_EVENT_REACH_MS && event.at <= again)
      ) {
        result.byServer++;
      } else {
        const ended = report.attemptEnds.filter((end) => {
          const at = Date.parse(end.at);
          return at >= first && at <= again;
        });
        if (ended.length === 0) {
          result.unexplained++;
        } else {
          result.byAttemptEnd++;
          if (ended.some((end) => ATTEMPT_TIMEOUT.test(end.detail))) result.byAttemptTimeout++;
        }
      }
    }
  }
  const times = [
    ...report.sideEffects.flatMap((effect) => effect.ledgerHits),
    ...report.modelTurns.flatMap((turn) => turn.answeredAt),
  ].map((text) => Date.parse(text));
  if (times.length > 0) {
    const start = Math.min(...times) - SERVER_EVENT_REACH_MS;
    const end = Math.max(...times) + CLOCK_SLACK_MS;
    result.serverEvents = serverEvents.filter(
      (event) => event.at >= start && event.at <= end,
    ).length;
  }
  const perTurn = new Map<number, number>();
  for (const effect of report.sideEffects) {
    perTurn.set(effect.turn, (perTurn.get(effect.turn) ?? 0) + 1);
  }
  result.parallelSteps = Math.max(1, ...perTurn.values());
  return result;
}
