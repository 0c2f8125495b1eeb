import * as restate from '@restatedev/restate-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvocationFailedError } from '../src/invocation-failed-error.js';
import { type RestateEnvironment, startRestate } from '../src/restate-server.js';
import { useRestate } from '../src/vitest.js';
import { pathExists, processesMatching } from './fixtures/process-probe.js';

const steps = restate.service({
  name: 'Steps',
  handlers: {
    run: async (ctx: restate.Context, input: { size: number }) => {
      const big = await ctx.run('big-step', () => 'x'.repeat(input.size));
      const small = await ctx.run('small-step', () => ({ ok: true }));
      return { length: big.length, small };
    },
    fail: async () => {
      throw new restate.TerminalError('not today', { errorCode: 422 });
    },
  },
});

const counter = restate.object({
  name: 'Counter',
  handlers: {
    add: async (ctx: restate.ObjectContext, amount: number) => {
      const total = ((await ctx.get<number>('total')) ?? 0) + amount;
      ctx.set('total', total);
      ctx.set('history', [amount]);
      ctx.set('label', new TextEncoder().encode('plain text'), restate.serde.binary);
      ctx.set('raw', new Uint8Array([0xff, 0x00]), restate.serde.binary);
      return total;
    },
  },
});

const approvals = restate.service({
  name: 'Approvals',
  handlers: {
    request: async (ctx: restate.Context) => {
      const { id, promise } = ctx.awakeable<{ approved: boolean }>();
      await ctx.run('publish-awakeable', () => id);
      try {
        return { decision: await promise };
      } catch (error) {
        return { rejected: (error as Error).message };
      }
    },
    wait: async (ctx: restate.Context) => {
      await ctx.sleep({ hours: 1 });
      return 'woke up';
    },
  },
});

async function awakeableIdOf(
  environment: RestateEnvironment,
  invocationId: string,
): Promise<string> {
  // The handler journals the awakeable id as the result of `publish-awakeable`.
  await environment.waitForJournal(invocationId, (journal) =>
    journal.some((entry) => entry.name === 'publish-awakeable' && entry.completed),
  );
  const rows = await environment.query<{ entry_json: string }>(
    `SELECT entry_json FROM sys_journal WHERE id = '${invocationId}' AND entry_type = 'Notification: Run'`,
  );
  const json = JSON.parse(rows[0]?.entry_json ?? '{}') as {
    Notification?: { Completion?: { Run?: { result?: { Success?: number[] } } } };
  };
  const bytes = json.Notification?.Completion?.Run?.result?.Success ?? [];
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as string;
}

describe('startRestate', () => {
  const environment = useRestate();

  beforeAll(async () => {
    await environment.register({ services: [steps, counter, approvals] });
  });

  it('runs an invocation and exposes its journal with step names and sizes', async () => {
    const { invocationId } = await environment.send(
      { service: 'Steps', handler: 'run' },
      { size: 1000 },
    );
    const result = await environment.attach<{ length: number }>(invocationId);
    expect(result).toEqual({ length: 1000, small: { ok: true } });

    const journal = await environment.journal(invocationId);
    const runs = journal.filter((entry) => entry.kind === 'command' && entry.type === 'Run');
    expect(runs.map((entry) => entry.name)).toEqual(['big-step', 'small-step']);
    expect(runs.every((entry) => entry.completed)).toBe(true);
    // The result bytes sit in the completing notification: the 1000-char string plus framing.
    expect(runs[0]?.resultLength).toBeGreaterThan(1000);
    expect(runs[1]?.resultLength).toBeLessThan(100);
    expect(journal.map((entry) => entry.entryType)).toEqual([
      'Command: Input',
      'Command: Run',
      'Notification: Run',
      'Command: Run',
      'Notification: Run',
      'Command: Output',
    ]);
    const total = journal.reduce((sum, entry) => sum + entry.rawLength, 0);
    expect(await environment.journalBytes(invocationId)).toBe(total);

    const status = await environment.invocation(invocationId);
    expect(status).toMatchObject({
      status: 'completed',
      completionResult: 'success',
      serviceName: 'Steps',
      handlerName: 'run',
      journalSize: 6,
    });
  });

  it('rejects attach with the terminal error of a failed invocation', async () => {
    const { invocationId } = await environment.send({ service: 'Steps', handler: 'fail' });
    const error = await environment.attach(invocationId).catch((caught: unknown) => caught);
    expect(InvocationFailedError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 422, message: 'not today', invocationId });
  });

  it('reads virtual object state, decoding JSON values', async () => {
    await environment.client.objectClient<typeof counter>({ name: 'Counter' }, 'a').add(2);
    const { invocationId } = await environment.send(
      { service: 'Counter', handler: 'add', key: 'a' },
      3,
    );
    expect(await environment.attach(invocationId)).toBe(5);
    expect(await environment.state('Counter', 'a')).toEqual({
      total: 5,
      history: [3],
      label: 'plain text',
      raw: new Uint8Array([0xff, 0x00]),
    });
    expect(await environment.state('Counter', 'nobody')).toEqual({});
  });

  it('resolves and rejects awakeables by id', async () => {
    const resolved = await environment.send({ service: 'Approvals', handler: 'request' });
    const resolvedId = await awakeableIdOf(environment, resolved.invocationId);
    await environment.resolveAwakeable(resolvedId, { approved: true });
    expect(await environment.attach(resolved.invocationId)).toEqual({
      decision: { approved: true },
    });

    const rejected = await environment.send({ service: 'Approvals', handler: 'request' });
    const rejectedId = await awakeableIdOf(environment, rejected.invocationId);
    await environment.rejectAwakeable(rejectedId, 'no budget');
    expect(await environment.attach(rejected.invocationId)).toEqual({ rejected: 'no budget' });
  });

  it('cancels a sleeping invocation: attach rejects with 409', async () => {
    const { invocationId } = await environment.send({ service: 'Approvals', handler: 'wait' });
    await environment.waitForJournal(invocationId, (journal) =>
      journal.some((entry) => entry.entryType === 'Command: Sleep'),
    );
    await environment.cancel(invocationId);
    const error = await environment.attach(invocationId).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'InvocationFailedError', code: 409 });
    const status = await environment.waitForStatus(invocationId, 'completed');
    expect(status.completionResult).toBe('failure');
  });

  it('kills an invocation', async () => {
    const { invocationId } = await environment.send({ service: 'Approvals', handler: 'wait' });
    await environment.waitForJournal(invocationId, (journal) =>
      journal.some((entry) => entry.entryType === 'Command: Sleep'),
    );
    await environment.kill(invocationId);
    const error = await environment.attach(invocationId).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 409, message: 'killed' });
  });

  it('deduplicates sends with an idempotency key', async () => {
    const first = await environment.send(
      { service: 'Counter', handler: 'add', key: 'idempotent' },
      1,
      { idempotencyKey: 'once' },
    );
    const second = await environment.send(
      { service: 'Counter', handler: 'add', key: 'idempotent' },
      1,
      { idempotencyKey: 'once' },
    );
    expect(second.invocationId).toBe(first.invocationId);
    expect(await environment.attach(first.invocationId)).toBe(1);
  });
});

describe('stop', () => {
  it('leaves no server process and no temp folder, and can be called twice', async () => {
    const environment = await startRestate();
    expect(processesMatching(environment.baseDir).length).toBeGreaterThan(0);
    expect(pathExists(environment.baseDir)).toBe(true);
    await environment.stop();
    await environment.stop();
    expect(processesMatching(environment.baseDir)).toEqual([]);
    expect(pathExists(environment.baseDir)).toBe(false);
  });

  it('reports the log tail when the server cannot start', async () => {
    const error = await startRestate({
      env: { RESTATE_DEFAULT_NUM_PARTITIONS: 'not-a-number' },
    }).catch((caught: unknown) => caught);
    expect(String(error)).toMatch(/restate-server exited during startup[\s\S]*log tail/);
  });
});
