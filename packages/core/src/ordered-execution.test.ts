import { CancelledError, TerminalError } from '@restatedev/restate-sdk';
import { describe, expect, it } from 'vitest';
import { findControlError } from './control-errors.js';
import { ToolGaveUpError } from './errors/tool-gave-up-error.js';
import { TurnAbortedError } from './errors/turn-aborted-error.js';
import { executeInOrder, OrderedGate, stepBatch, Turnstile } from './ordered-execution.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Turnstile', () => {
  it('runs calls started all at once (as an SDK does) one at a time, in model order', async () => {
    const turnstile = new Turnstile(['a', 'b', 'c']);
    const started: string[] = [];
    const finished: string[] = [];
    const tool = (id: string, delay: number) =>
      turnstile.run(id, async () => {
        started.push(id);
        await pause(delay);
        finished.push(id);
        return id;
      });
    // Started in reverse order with the slowest first: without the turnstile, c would finish first.
    const results = await Promise.all([tool('c', 1), tool('b', 5), tool('a', 20)]);
    expect(results).toEqual(['c', 'b', 'a']);
    expect(started).toEqual(['a', 'b', 'c']);
    expect(finished).toEqual(['a', 'b', 'c']);
  });

  it('lets later calls run after an ordinary failure', async () => {
    const turnstile = new Turnstile(['a', 'b']);
    const results = await Promise.allSettled([
      turnstile.run('a', () => Promise.reject(new Error('tool failed'))),
      turnstile.run('b', () => 'ran'),
    ]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'fulfilled']);
  });

  it('never starts the calls after one that ended the invocation', async () => {
    const turnstile = new Turnstile(['a', 'b']);
    const cancelled = new CancelledError();
    let ranB = false;
    const [a, b] = await Promise.allSettled([
      turnstile.run('a', () => Promise.reject(cancelled)),
      turnstile.run('b', () => {
        ranB = true;
      }),
    ]);
    expect(ranB).toBe(false);
    expect(a).toEqual({ status: 'rejected', reason: cancelled });
    const reason = (b as PromiseRejectedResult).reason;
    expect(TurnAbortedError.isInstance(reason)).toBe(true);
    expect(findControlError(reason)).toBe(cancelled);
  });

  it('lets later calls run after a step that gave up (the model gets that one as a tool error)', async () => {
    const turnstile = new Turnstile(['a', 'b']);
    const gaveUp = new TerminalError(
      'Step "x" failed and will not be retried (bad-request 400: no)',
      {
        metadata: { 'restate-agents.reason': 'bad-request', step: 'x' },
      },
    );
    const results = await Promise.allSettled([
      turnstile.run('a', () => Promise.reject(gaveUp)),
      turnstile.run('b', () => 'ran'),
    ]);
    expect(results[1]).toEqual({ status: 'fulfilled', value: 'ran' });
  });

  it('refuses duplicate and unknown ids with clear errors', async () => {
    expect(() => new Turnstile(['a', 'a'])).toThrow(/unique/);
    await expect(new Turnstile(['a']).run('z', () => 1)).rejects.toThrow(/not part of this turn/);
  });
});

describe('executeInOrder (sequential)', () => {
  it('runs calls one after another in order and reports each outcome', async () => {
    const order: number[] = [];
    const outcomes = await executeInOrder([30, 1, 10], async (delay, index) => {
      order.push(index);
      await pause(delay);
      if (index === 1) throw new Error('second failed');
      return delay;
    });
    expect(order).toEqual([0, 1, 2]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
  });

  it('stops at a control error and rethrows it', async () => {
    const cancelled = new CancelledError();
    let ranThird = false;
    await expect(
      executeInOrder([1, 2, 3], async (value) => {
        if (value === 2) throw new Error('wrapped', { cause: cancelled });
        if (value === 3) ranThird = true;
        return value;
      }),
    ).rejects.toBe(cancelled);
    expect(ranThird).toBe(false);
  });

  it('hands a step that gave up inside a call to the model; a fatal give-up or TerminalError ends the turn', async () => {
    // What durableStep's failures look like (the metadata travels in the journal).
    const gaveUp = new TerminalError(
      'Step "tool:lookup" gave up after 3 attempts; last error: unknown: down',
      { metadata: { 'restate-agents.reason': 'retries-exhausted', step: 'tool:lookup' } },
    );
    const outcomes = await executeInOrder([1, 2], async (value) => {
      if (value === 1) throw new Error('SDK wrapper', { cause: gaveUp });
      return value;
    });
    expect(outcomes[1]).toEqual({ status: 'fulfilled', value: 2 });
    const first = outcomes[0] as { status: 'rejected'; reason: ToolGaveUpError };
    expect(ToolGaveUpError.isInstance(first.reason)).toBe(true);
    expect(first.reason.message).toBe(
      'Tool "tool:lookup" failed: gave up after 3 attempts; last error: unknown: down',
    );
    expect(findControlError(first.reason)).toBeUndefined();

    const fatal = new TerminalError(gaveUp.message, {
      metadata: { ...gaveUp.metadata, 'restate-agents.on-give-up': 'fail' },
    });
    await expect(
      executeInOrder([1], () => {
        throw fatal;
      }),
    ).rejects.toBe(fatal);
    const unjournalable = new TerminalError('cannot be journaled', {
      metadata: { 'restate-agents.reason': 'not-serialisable' },
    });
    await expect(
      executeInOrder([1], () => {
        throw unjournalable;
      }),
    ).rejects.toBe(unjournalable);
  });

  it('rejects a nonsense concurrency', async () => {
    await expect(executeInOrder([1], (value) => value, { concurrency: 0 })).rejects.toThrow(
      /concurrency/,
    );
  });
});

describe('OrderedGate', () => {
  const tick = () => new Promise((resolve) => setImmediate(resolve));

  it('collects tasks started together and runs them by key, whatever order they arrived in', async () => {
    const gate = new OrderedGate<string>({ compare: (a, b) => a.localeCompare(b) });
    const order: string[] = [];
    let running = 0;
    const task = (key: string) =>
      gate.run(`id-${key}`, key, async () => {
        running += 1;
        expect(running).toBe(1);
        order.push(key);
        await tick();
        running -= 1;
      });
    await Promise.all([task('c'), task('a'), task('b')]);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('rejects a concurrency below 1', () => {
    expect(() => new OrderedGate<string>({ concurrency: 0, compare: () => 0 })).toThrow(
      /at least 1/,
    );
  });
});

describe('stepBatch', () => {
  it('is one batch per attempt, also through a wrapper of the context', () => {
    const request = { id: 'inv_1' };
    const ctx = { request: () => request } as never;
    const wrapper = { request: () => request } as never;
    expect(stepBatch(wrapper)).toBe(stepBatch(ctx));
    expect(stepBatch({ request: () => ({ id: 'inv_1' }) } as never)).not.toBe(stepBatch(ctx));
  });
});
