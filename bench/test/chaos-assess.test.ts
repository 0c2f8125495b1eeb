/**
 * The chaos bookkeeping on hand-made evidence shaped like what the loaded runs produced: a side effect that
 * ran once but was stamped after its journal entry, two calls of one turn journaled in the other order, a
 * record step of another kind, and a real re-run after journaling, which must still count.
 */
import type { JournalEntry } from '@restate-agents/testing';
import { describe, expect, it } from 'vitest';
import {
  assessInvocation,
  attributeReruns,
  CLOCK_SLACK_MS,
  type InvocationEvidence,
  SERVER_EVENT_REACH_MS,
  splitArrivals,
} from '../src/chaos-assess.ts';

const T0 = Date.parse('2026-12-01T15:35:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

/** A journal of `ctx.run` steps: each command completed by a notification at `doneAt` ms after T0. */
function journal(steps: Array<{ name: string; doneAt?: number }>): JournalEntry[] {
  const entries: JournalEntry[] = [];
  const base = {
    rawLength: 10,
    completed: undefined,
    resultLength: undefined,
    result: undefined,
  };
  steps.forEach((step, position) => {
    entries.push({
      ...base,
      index: entries.length,
      entryType: 'Command: Run',
      kind: 'command',
      type: 'Run',
      name: step.name,
      completionId: position + 1,
      appendedAt: at((step.doneAt ?? 0) - 1),
    });
    if (step.doneAt !== undefined) {
      entries.push({
        ...base,
        index: entries.length,
        entryType: 'Notification: Run',
        kind: 'notification',
        type: 'Run',
        name: undefined,
        completionId: position + 1,
        appendedAt: at(step.doneAt),
      });
    }
  });
  return entries;
}

const patterns = { modelStep: /^agent:model$/, recordStep: /record/ };

function evidence(overrides: Partial<InvocationEvidence>): InvocationEvidence {
  return {
    session: 's',
    invocationId: 'inv_1',
    idsByTurn: [],
    final: 'done s',
    outcome: { text: 'done s' },
    status: undefined,
    journal: [],
    events: [],
    ledger: [],
    requests: [],
    ...overrides,
  };
}

describe('splitArrivals', () => {
  it('takes a lone execution stamped after its journal entry as the one journaled', () => {
    // The old bookkeeping: 1 duplicated and -1 re-run for this.
    expect(splitArrivals([1_006 + CLOCK_SLACK_MS], 1_000)).toEqual({
      before: 1,
      again: 0,
      inversionMs: 6 + CLOCK_SLACK_MS,
    });
  });

  it('counts an execution after the journaled one and after the entry as ran again', () => {
    expect(splitArrivals([900, 5_000], 1_000)).toEqual({
      before: 1,
      again: 1,
      inversionMs: undefined,
    });
    expect(splitArrivals([1_200, 5_000], 1_000).again).toBe(1);
  });

  it('counts executions before the entry as re-runs, never negative', () => {
    expect(splitArrivals([100, 500, 990], 1_000)).toEqual({
      before: 3,
      again: 0,
      inversionMs: undefined,
    });
  });
});

describe('assessInvocation', () => {
  it('reads a side effect that ran once as once, whatever the clocks say', () => {
    const report = assessInvocation(
      evidence({
        idsByTurn: [['a']],
        journal: journal([
          { name: 'agent:model', doneAt: 100 },
          { name: 'record', doneAt: 1_000 },
          { name: 'agent:model', doneAt: 1_200 },
        ]),
        ledger: [{ id: 'a', receivedAt: T0 + 1_006 }],
      }),
      patterns,
    );
    expect(report.sideEffects.map((effect) => effect.verdict)).toEqual(['once']);
    expect(report.clockInversionMs).toBe(6);
  });

  it('matches by the call id in the step name, so two calls journaled in the other order are right', () => {
    const report = assessInvocation(
      evidence({
        idsByTurn: [['a', 'b']],
        journal: journal([
          { name: 'agent:model', doneAt: 100 },
          { name: 'agent:tool:record:call_b', doneAt: 1_000 },
          { name: 'agent:tool:record:call_a', doneAt: 3_000 },
          { name: 'agent:model', doneAt: 3_100 },
        ]),
        // a ran after b was journaled, before its own step was: once each.
        ledger: [
          { id: 'b', receivedAt: T0 + 900 },
          { id: 'a', receivedAt: T0 + 2_900 },
        ],
      }),
      patterns,
    );
    expect(
      report.sideEffects.map((effect) => [effect.id, effect.verdict, effect.journalIndex]),
    ).toEqual([
      ['a', 'once', 4],
      ['b', 'once', 2],
    ]);
  });

  it('matches within the turn, so a turn that lost a step does not shift the next turns', () => {
    const report = assessInvocation(
      evidence({
        idsByTurn: [['a', 'b'], ['c']],
        // Turn 0's second record never journaled (the model moved on in this made-up journal).
        journal: journal([
          { name: 'agent:model', doneAt: 100 },
          { name: 'record', doneAt: 1_000 },
          { name: 'agent:model', doneAt: 2_000 },
          { name: 'record', doneAt: 3_000 },
          { name: 'agent:model', doneAt: 4_000 },
        ]),
        ledger: [
          { id: 'a', receivedAt: T0 + 900 },
          { id: 'c', receivedAt: T0 + 2_900 },
        ],
      }),
      patterns,
    );
    expect(report.sideEffects.find((effect) => effect.id === 'c')?.verdict).toBe('once');
    expect(report.sideEffects.find((effect) => effect.id === 'c')?.journalIndex).toBe(6);
  });

  it('never takes a model step for a record step, even when the pattern matches both', () => {
    const report = assessInvocation(
      evidence({
        idsByTurn: [['a']],
        journal: journal([
          { name: 'agent:model', doneAt: 100 },
          { name: 'record', doneAt: 1_000 },
          { name: 'agent:model', doneAt: 2_000 },
        ]),
        ledger: [{ id: 'a', receivedAt: T0 + 900 }],
      }),
      { modelStep: /^agent:model$/, recordStep: /./ },
    );
    expect(report.sideEffects[0]?.journalIndex).toBe(2);
    expect(report.sideEffects[0]?.verdict).toBe('once');
  });

  it('still finds a side effect run again after its step was journaled', () => {
    const report = assessInvocation(
      evidence({
        idsByTurn: [['a']],
        journal: journal([
          { name: 'agent:model', doneAt: 100 },
          { name: 'record', doneAt: 1_000 },
          { name: 'agent:model', doneAt: 2_000 },
        ]),
        ledger: [
          { id: 'a', receivedAt: T0 + 950 },
          { id: 'a', receivedAt: T0 + 4_000 },
        ],
        requests: [
          { turnIndex: 0, receivedAt: T0 + 50, outcome: 'answered' },
          { turnIndex: 1, receivedAt: T0 + 1_900, outcome: 'answered' },
          { turnIndex: 1, receivedAt: T0 + 6_000, outcome: 'answered' },
        ],
      }),
      patterns,
    );
    expect(report.sideEffects[0]?.verdict).toBe('duplicated');
    expect(report.modelTurns.map((turn) => turn.verdict)).toEqual(['once', 'repeated']);
  });

  it('tells completed, gave up, failed and unfinished apart', () => {
    const outcome = (value: InvocationEvidence['outcome']) =>
      assessInvocation(evidence({ outcome: value }), patterns).outcome;
    expect(outcome({ text: 'done s' })).toBe('completed');
    expect(outcome({ error: 'Step "x" gave up after 3 attempts; last error: boom' })).toBe(
      'gave-up',
    );
    expect(outcome({ error: 'TypeError: boom' })).toBe('failed');
    expect(outcome({ error: 'Invocation inv_1 did not complete within 120000 ms' })).toBe(
      'unfinished',
    );
    expect(outcome(undefined)).toBe('unfinished');
  });
});

describe('attributeReruns', () => {
  // Side effect a ran twice before its step was journaled at 10 s; the model's turn 1 answered twice.
  const report = assessInvocation(
    evidence({
      idsByTurn: [['a', 'b']],
      journal: journal([
        { name: 'agent:model', doneAt: 100 },
        { name: 'agent:tool:record:call_a', doneAt: 10_000 },
        { name: 'agent:tool:record:call_b', doneAt: 10_100 },
        { name: 'agent:model', doneAt: 20_000 },
      ]),
      ledger: [
        { id: 'a', receivedAt: T0 + 1_000 },
        { id: 'a', receivedAt: T0 + 9_000 },
        { id: 'b', receivedAt: T0 + 9_100 },
      ],
      requests: [
        { turnIndex: 0, receivedAt: T0 + 50, outcome: 'answered' },
        { turnIndex: 1, receivedAt: T0 + 12_000, outcome: 'answered' },
        { turnIndex: 1, receivedAt: T0 + 19_000, outcome: 'answered' },
      ],
    }),
    patterns,
  );

  it('puts a re-run after a service kill on the service, else on a server event before it', () => {
    expect(
      attributeReruns(report, [
        { at: T0 + 5_000, kind: 'service-kill' },
        { at: T0 + 14_000, kind: 'leader-change' },
      ]),
    ).toEqual({
      byServiceKill: 1,
      byServer: 1,
      byAttemptEnd: 0,
      byAttemptTimeout: 0,
      unexplained: 0,
      serverEvents: 1,
      parallelSteps: 2,
    });
  });

  it('leaves a re-run that nothing explains unexplained', () => {
    // The leader changed long before turn 1's first request: it cannot have cut that attempt short.
    const attribution = attributeReruns(report, [
      { at: T0 + 5_000, kind: 'service-kill' },
      { at: T0 + 12_000 - SERVER_EVENT_REACH_MS - CLOCK_SLACK_MS - 1, kind: 'node-kill' },
    ]);
    expect(attribution.byServiceKill).toBe(1);
    expect(attribution.unexplained).toBe(1);
  });

  it('puts a re-run after a failed attempt on that attempt, and names the invoker timeout', () => {
    const failed = (detail: string, at: number) =>
      attributeReruns(
        {
          ...report,
          attemptEnds: [{ at: new Date(T0 + at).toISOString(), detail }],
        },
        [{ at: T0 + 5_000, kind: 'service-kill' }],
      );
    // The server gave up on the attempt between turn 1's two requests (12 s and 19 s).
    const timeout = failed(
      // As restate-server 1.7.12 records it (a 4 s step, inactivity and abort timeouts of 1 s each).
      "[500 RT0001] the invocation stream was closed after the 'abort timeout' (1s) fired.",
      15_000,
    );
    expect(timeout).toMatchObject({ byAttemptEnd: 1, byAttemptTimeout: 1, unexplained: 0 });
    expect(failed('[500] rate-limit 429: mock fault', 15_000)).toMatchObject({
      byAttemptEnd: 1,
      byAttemptTimeout: 0,
      unexplained: 0,
    });
    // An attempt that failed before the first request cannot have cut it short: within one attempt.
    expect(failed('[500] RT0001 abort timeout', 11_000)).toMatchObject({
      byAttemptEnd: 0,
      unexplained: 1,
    });
  });
});
