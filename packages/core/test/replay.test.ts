/**
 * Determinism rules proved in always-replay mode: the server suspends the invocation at every await, so
 * the handler runs again from the top for every journaled step, and any difference between runs shows.
 */
import type { InvocationFailedError } from '@restate-agents/testing';
import { useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createIdGenerator,
  durableStep,
  executeInOrder,
  requestApproval,
  stepBatch,
} from '../src/index.js';

const env = useRestate({ alwaysReplay: true, disableRetries: true });

/** Observations made outside Restate, by invocation key. */
const executions = new Map<string, number>();
const seen = new Map<string, unknown[]>();
const announced = new Map<string, string>();
const count = (key: string) => executions.set(key, (executions.get(key) ?? 0) + 1);
const observe = (key: string, value: unknown) => seen.set(key, [...(seen.get(key) ?? []), value]);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A "tool" like the ones agent SDKs run: some non-durable work (a delay whose length changes from one
 * execution to the next, as network latency does), then a durable step.
 */
function racingTool(ctx: restate.ObjectContext, name: string, run: number): Promise<string> {
  const slowFirst = run % 2 === 1;
  const delay = (name === 'A') === slowFirst ? 40 : 0;
  return pause(delay).then(() => ctx.run(name, () => name));
}

const probe = restate.object({
  name: 'ReplayProbe',
  handlers: {
    async richValue(ctx: restate.ObjectContext) {
      const value = await durableStep(ctx, 'rich', () => {
        count(ctx.key);
        return {
          at: new Date('2026-11-27T12:00:00Z'),
          bytes: new Uint8Array([1, 2, 3]),
          gone: undefined,
        };
      });
      await ctx.sleep(1);
      return {
        isDate: value.at instanceof Date,
        iso: value.at.toISOString(),
        isBytes: value.bytes instanceof Uint8Array,
        hasUndefinedKey: 'gone' in value,
      };
    },
    async nativeParallel(ctx: restate.ObjectContext) {
      count(ctx.key);
      const run = executions.get(ctx.key) ?? 0;
      return Promise.all([racingTool(ctx, 'A', run), racingTool(ctx, 'B', run)]);
    },
    async orderedSequential(ctx: restate.ObjectContext) {
      count(ctx.key);
      const run = executions.get(ctx.key) ?? 0;
      const outcomes = await executeInOrder(['A', 'B'], (name) => racingTool(ctx, name, run));
      return outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : 'failed'));
    },
    async orderedParallel(ctx: restate.ObjectContext) {
      count(ctx.key);
      const outcomes = await executeInOrder(
        ['A', 'B', 'C', 'D'],
        (name) =>
          durableStep(ctx, `tool:${name}`, async () => {
            await pause(Math.floor(Math.random() * 30));
            return name;
          }),
        { concurrency: 2 },
      );
      return outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : 'failed'));
    },
    async sdkStartsToolsAtOnce(ctx: restate.ObjectContext, batched: boolean) {
      // What an SDK with tool concurrency does: start every tool, then Promise.all over them.
      const tool = (name: string) => {
        const step = durableStep(ctx, `tool:${name}`, async () => {
          await pause(name === 'A' ? 30 : 5);
          return name;
        });
        return batched ? stepBatch(ctx).add(step) : step.then((value) => value);
      };
      return Promise.all([tool('A'), tool('B'), tool('C')]);
    },
    async ids(ctx: restate.ObjectContext, useRestate: boolean) {
      const generate = useRestate
        ? createIdGenerator(ctx, { prefix: 'msg' })
        : () => `msg-${Math.random().toString(36).slice(2)}`;
      const first = generate();
      // Seen on every execution: the first one suspends at the await below, the replay runs on.
      observe(ctx.key, first);
      await ctx.run('between', () => 1);
      const second = generate();
      return [first, second];
    },
    async approval(ctx: restate.ObjectContext) {
      const decision = await requestApproval(
        ctx,
        { action: 'refund' },
        {
          onRequest: ({ id }) => {
            count(ctx.key);
            announced.set(ctx.key, id);
          },
        },
      );
      return decision;
    },
    async approvalWithTimeout(ctx: restate.ObjectContext) {
      return requestApproval(ctx, { action: 'refund' }, { timeout: 300 });
    },
  },
});

const invoke = async (handler: string, key: string, input?: unknown) =>
  (await env.send({ service: 'ReplayProbe', handler, key }, input)).invocationId;
const call = async (handler: string, key: string, input?: unknown) =>
  env.attach(await invoke(handler, key, input));
/** Waits until the approval request is journaled (onRequest has run), then returns the id it was given. */
const waitForAnnouncement = async (invocationId: string, key: string): Promise<string> => {
  await env.waitForJournal(invocationId, (journal) =>
    journal.some((entry) => entry.name === 'approval:notify' && entry.completed),
  );
  const id = announced.get(key);
  if (!id) throw new Error(`approval:notify was journaled for ${key}, but onRequest saw no id`);
  return id;
};

beforeAll(async () => {
  await env.register({ services: [probe] });
});

describe('always-replay', () => {
  it('really replays (the handler body runs once per journaled step)', async () => {
    await call('orderedSequential', 'replays');
    expect(executions.get('replays')).toBeGreaterThan(2);
  });

  it('journal serde: Dates, bytes and undefined come back from the journal intact; the action ran once', async () => {
    expect(await call('richValue', 'rich')).toEqual({
      isDate: true,
      iso: '2026-11-27T12:00:00.000Z',
      isBytes: true,
      hasUndefinedKey: true,
    });
    expect(executions.get('rich')).toBe(1);
  });

  it('R7: tools racing under native Promise.all fail on replay', async () => {
    const error = (await call('nativeParallel', 'native').catch(
      (e: unknown) => e,
    )) as InvocationFailedError;
    expect(error).toBeInstanceOf(Error);
    expect(env.logs() + error.message).toMatch(/mismatch|awaitNext already pending|570/i);
  });

  it('R7: the same tools through executeInOrder replay cleanly, journaled in model order', async () => {
    const invocationId = await invoke('orderedSequential', 'sequential');
    expect(await env.attach(invocationId)).toEqual(['A', 'B']);
    const names = (await env.journal(invocationId))
      .map((entry) => entry.name)
      .filter((name) => name);
    expect(names.filter((name) => name === 'A' || name === 'B')).toEqual(['A', 'B']);
  });

  it('R7: bounded parallelism (2 at a time) over durable steps with random latency replays cleanly', async () => {
    const invocationId = await invoke('orderedParallel', 'parallel');
    expect(await env.attach(invocationId)).toEqual(['A', 'B', 'C', 'D']);
    const names = (await env.journal(invocationId))
      .map((entry) => entry.name)
      .filter((name): name is string => typeof name === 'string' && name.startsWith('tool:'));
    expect(names).toEqual(['tool:A', 'tool:B', 'tool:C', 'tool:D']);
  });

  it('R7: tools an SDK starts at once fail under native awaits; through stepBatch they run together', async () => {
    const error = (await call('sdkStartsToolsAtOnce', 'native-at-once', false).catch(
      (e: unknown) => e,
    )) as InvocationFailedError;
    expect(error).toBeInstanceOf(Error);
    const invocationId = await invoke('sdkStartsToolsAtOnce', 'batched-at-once', true);
    expect(await env.attach(invocationId)).toEqual(['A', 'B', 'C']);
    const names = (await env.journal(invocationId))
      .map((entry) => entry.name)
      .filter((name): name is string => typeof name === 'string' && name.startsWith('tool:'));
    expect(names).toEqual(['tool:A', 'tool:B', 'tool:C']);
  });

  it('R8: ids from createIdGenerator are the same on every replay; Math.random ids are not', async () => {
    const ids = (await call('ids', 'stable-ids', true)) as string[];
    const runs = seen.get('stable-ids') ?? [];
    expect(runs.length).toBeGreaterThan(1);
    for (const run of runs) expect(run).toBe(ids[0]);
    expect(ids[0]).toMatch(/^msg-[0-9A-Za-z]{16}$/);
    expect(ids[0]).not.toBe(ids[1]);

    await call('ids', 'random-ids', false);
    expect(new Set(seen.get('random-ids')).size).toBeGreaterThan(1);
  });

  it('approval: onRequest runs once across replays; the decision resumes the handler', async () => {
    const invocationId = await invoke('approval', 'approve');
    const id = await waitForAnnouncement(invocationId, 'approve');
    expect(id).toMatch(/^sign_/);
    await env.resolveAwakeable(id, { approved: false, reason: 'too expensive' });
    expect(await env.attach(invocationId)).toEqual({ approved: false, reason: 'too expensive' });
    expect(executions.get('approve')).toBe(1);
  });

  it('approval: a malformed decision fails with an error naming it', async () => {
    const invocationId = await invoke('approval', 'malformed');
    await env.resolveAwakeable(await waitForAnnouncement(invocationId, 'malformed'), {
      approve: 'yes',
    });
    const error = (await env
      .attach(invocationId)
      .catch((e: unknown) => e)) as InvocationFailedError;
    expect(error.message).toMatch(/resolved with \{"approve":"yes"\}, which is not a decision/);
  });

  it('approval: no decision in time is a rejection saying so', async () => {
    expect(await call('approvalWithTimeout', 'timeout')).toEqual({
      approved: false,
      reason: 'No decision before the approval timed out',
    });
  });
});
