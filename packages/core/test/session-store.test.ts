/** R10/R11: lists in Virtual Object state, chunked so the journal of an append does not grow with history. */
import { useRestate } from '@restate-agents/testing/vitest';
import * as restate from '@restatedev/restate-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { listStore, recordStore } from '../src/index.js';

const env = useRestate();

interface Message {
  role: string;
  content: string;
  at: Date;
}

const chat = restate.object({
  name: 'SessionProbe',
  handlers: {
    async append(ctx: restate.ObjectContext, content: string) {
      await listStore<Message>(ctx, 'messages', { chunkSize: 4 }).append({
        role: 'user',
        content,
        at: new Date('2026-01-01T00:00:00Z'),
      });
    },
    async read(ctx: restate.ObjectContext, limit?: number) {
      const items = await listStore<Message>(ctx, 'messages', { chunkSize: 4 }).read(limit);
      return items.map((item) => ({ content: item.content, isDate: item.at instanceof Date }));
    },
    async pop(ctx: restate.ObjectContext) {
      return (await listStore<Message>(ctx, 'messages', { chunkSize: 4 }).pop())?.content ?? null;
    },
    async clear(ctx: restate.ObjectContext) {
      await listStore<Message>(ctx, 'messages').clear();
    },
    async rewriteWhole(ctx: restate.ObjectContext, content: string) {
      // What a naive store does: one key holding the whole list, rewritten on every append.
      const all = (await ctx.get<string[]>('whole')) ?? [];
      ctx.set('whole', [...all, content]);
    },
    async summary(ctx: restate.ObjectContext, text?: string) {
      const record = recordStore<{ text: string }>(ctx, 'summary');
      if (text !== undefined) record.set({ text });
      return (await record.get()) ?? null;
    },
  },
});

const call = async (handler: string, key: string, input?: unknown) => {
  const { invocationId } = await env.send({ service: 'SessionProbe', handler, key }, input);
  return { invocationId, output: await env.attach(invocationId) };
};

beforeAll(async () => {
  await env.register({ services: [chat] });
});

describe('listStore', () => {
  it('appends, reads (all or the last N), pops and clears across invocations', async () => {
    for (const content of ['a', 'b', 'c', 'd', 'e', 'f']) await call('append', 'list', content);
    expect((await call('read', 'list')).output).toEqual(
      ['a', 'b', 'c', 'd', 'e', 'f'].map((content) => ({ content, isDate: true })),
    );
    expect((await call('read', 'list', 3)).output).toEqual(
      ['d', 'e', 'f'].map((content) => ({ content, isDate: true })),
    );
    const state = await env.state('SessionProbe', 'list');
    expect(Object.keys(state).sort()).toEqual(['messages:0', 'messages:1', 'messages:meta']);
    expect((await call('pop', 'list')).output).toBe('f');
    expect((await call('read', 'list')).output).toHaveLength(5);
    await call('clear', 'list');
    expect((await call('read', 'list')).output).toEqual([]);
    expect(await env.state('SessionProbe', 'list')).toEqual({});
  });

  it('an append costs the same journal bytes after 40 messages as after 2 (a whole-list rewrite grows)', async () => {
    const chunked: number[] = [];
    const whole: number[] = [];
    for (let index = 0; index < 40; index++) {
      const content = `message ${index} ${'x'.repeat(200)}`;
      chunked.push(await env.journalBytes((await call('append', 'growth', content)).invocationId));
      whole.push(
        await env.journalBytes((await call('rewriteWhole', 'growth', content)).invocationId),
      );
    }
    // Compare whole chunk cycles (an append rewrites a chunk of 1 to 4 messages).
    const chunkedGrowth = Math.max(...chunked.slice(36)) / Math.max(...chunked.slice(0, 4));
    const wholeGrowth = Math.max(...whole.slice(36)) / Math.max(...whole.slice(0, 4));
    expect(chunkedGrowth).toBeLessThan(1.2);
    expect(wholeGrowth).toBeGreaterThan(5);
  });
});

describe('recordStore', () => {
  it('keeps one record per key', async () => {
    expect((await call('summary', 'record')).output).toBeNull();
    expect((await call('summary', 'record', 'short')).output).toEqual({ text: 'short' });
    expect((await call('summary', 'record')).output).toEqual({ text: 'short' });
  });
});
